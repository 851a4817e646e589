"""Server-rendered pages and the Channels consumers that push live updates to them."""
