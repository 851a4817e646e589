"""The message bus: one schema module (``schema``) and one Redis client (``client``)."""
