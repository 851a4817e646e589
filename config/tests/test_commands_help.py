"""``manage.py <command> --help`` works for every management command of the project's apps.

A ``%`` in an argparse help string crashes ``--help`` (``unsupported format character``)
while the command itself still runs, so only a sweep over every command catches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import ManagementUtility, get_commands


def project_commands() -> list[str]:
    """Names of the management commands defined by the project's own apps (not Django's or a package's)."""
    base = Path(settings.BASE_DIR).resolve()
    own_apps = {config.name for config in apps.get_app_configs()
                if Path(config.path).resolve().is_relative_to(base) and "site-packages" not in config.path}
    return sorted(name for name, app in get_commands().items() if app in own_apps)


def test_the_sweep_finds_the_project_commands():
    names = project_commands()
    assert {"backtest", "backtest_optimise", "analyze", "fetch_candles", "import_candles"} <= set(names)
    assert "migrate" not in names and "runserver" not in names


@pytest.mark.parametrize("name", project_commands())
def test_help_exits_0_and_prints_the_usage(name, capsys):
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", name, "--help"]).execute()
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert f"usage: manage.py {name}" in out and len(out.splitlines()) > 3
