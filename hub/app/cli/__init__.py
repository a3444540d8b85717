"""The ``hub`` command line. One module per command group; heavy imports happen inside commands.

Exit codes (every command):
  0  success
  1  the command ran but found problems (invalid records, lint findings, refused sends)
  2  configuration or usage error (bad config file, route file, catalogue, option)
  3  the broker cannot be reached
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from hub.app.cli.shared import CliState, HubGroup

EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG, EXIT_BROKER = 0, 1, 2, 3


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="HUB_CONFIG",
    help="YAML config file (keys as in hub.config.settings.HubSettings); HUB_* variables override it.",
)
@click.option("--broker-url", envvar="HUB_BROKER_URL", help="Broker URL (default: embedded SQLite).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None, broker_url: str | None, verbose: bool) -> None:
    """supervision-hub: the data-exchange hub of Minhang's supervision platform."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from hub.app.log_masking import mask_personal_data_in_logs

    mask_personal_data_in_logs()  # before anything can log a record's content
    # Alembic announces every plugin and migration step at INFO; operators need its warnings.
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)
    # pika announces each connection's steps at INFO; the hub logs what matters of them.
    logging.getLogger("pika").setLevel(logging.DEBUG if verbose else logging.WARNING)
    ctx.obj = CliState(config_file=config_file, broker_url=broker_url)


def _register() -> None:
    from hub.app.cli import (
        adapters_cmd,
        admin_cmds,
        admin_serve,
        check_cmd,
        demo_cmd,
        evidence_cmds,
        import_cmd,
        information_cmd,
        query_cmd,
        report_cmd,
        routes_cmd,
        run,
        send,
        simulate,
        validate,
    )

    main.add_command(run.run)
    main.add_command(send.send)
    main.add_command(validate.validate)
    main.add_command(routes_cmd.routes)
    main.add_command(check_cmd.check)
    main.add_command(demo_cmd.demo)
    main.add_command(simulate.simulate)
    main.add_command(import_cmd.import_file)
    main.add_command(admin_serve.admin)
    main.add_command(adapters_cmd.adapters)
    main.add_command(adapters_cmd.adapter)
    main.add_command(report_cmd.report)
    main.add_command(query_cmd.query)
    main.add_command(information_cmd.information)
    main.add_command(evidence_cmds.verify_log)
    main.add_command(evidence_cmds.keys)
    for command in (admin_cmds.dead_letters, admin_cmds.replay, admin_cmds.trace,
                    admin_cmds.timeline, admin_cmds.show_message, admin_cmds.person,
                    admin_cmds.audit):
        main.add_command(command)


_register()
