"""The ``trustfunnel`` command: Django's management commands, product commands first.

``trustfunnel <command> [options]`` runs the management command of that name with
``DJANGO_SETTINGS_MODULE`` defaulting to ``trustfunnel.web.settings``;
``trustfunnel --help`` lists the product's own commands before Django's, and
``trustfunnel <command> --help`` explains one. ``serve`` runs with DEBUG on unless the
environment says otherwise (it is the local, single-user way to run trustfunnel).
"""

from __future__ import annotations

import os
import sys

SETTINGS = "trustfunnel.web.settings"
#: Listed first, in this order; any other command of a trustfunnel app follows them.
PRODUCT_COMMANDS = (
    "serve", "demo", "migrate", "createworkspace", "createuser", "worker", "scheduler", "check",
)
HELP_FLAGS = ("help", "--help", "-h")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "trustfunnel"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    command = argv[1] if len(argv) > 1 else "help"
    if command == "serve":
        os.environ.setdefault("DEBUG", "1")
    if command in HELP_FLAGS and len(argv) <= 2:
        sys.stdout.write(main_help())
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def product_commands() -> list[tuple[str, str]]:
    """``(name, first line of help)`` of the product's commands."""
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    commands = get_commands()
    ours = [name for name in PRODUCT_COMMANDS if name in commands]
    ours += sorted(
        name for name, app in commands.items()
        if app.startswith("trustfunnel.") and name not in ours
    )
    rows = []
    for name in ours:
        help_text = load_command_class(commands[name], name).help or ""
        rows.append((name, help_text.strip().split(". ")[0].rstrip(".")))
    return rows


def main_help() -> str:
    from django.core.management import ManagementUtility

    ours = product_commands()
    width = max(len(name) for name, _ in ours)
    lines = [
        "Usage: trustfunnel <command> [options]   (trustfunnel <command> --help for one)",
        "",
        "trustfunnel commands:",
        *(f"  {name.ljust(width)}  {text}" for name, text in ours),
        "",
        "Django and library commands (also available):",
    ]
    django_help = ManagementUtility(["trustfunnel"]).main_help_text(commands_only=True)
    names = {name for name, _ in ours}
    others = [name for name in django_help.split() if name not in names]
    lines += _columns(others)
    return "\n".join(lines) + "\n"


def _columns(names: list[str], width: int = 88) -> list[str]:
    cell = max((len(n) for n in names), default=0) + 2
    per_row = max(1, (width - 2) // cell)
    return [
        "  " + "".join(name.ljust(cell) for name in names[i:i + per_row]).rstrip()
        for i in range(0, len(names), per_row)
    ]


if __name__ == "__main__":
    main()
