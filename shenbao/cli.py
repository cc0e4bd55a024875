"""The ``shenbao`` command: a thin click layer over the library. Exit 0 ok, 1 failure, 2 usage/config."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import click

from shenbao.cli_support import ShenbaoGroup, handle_errors
from shenbao.config import Config, load_config
from shenbao.errors import SendError


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def config_path(given: str | None) -> Path:
    """``--config``, else ./config.toml when it exists, else $SHENBAO_CONFIG, else ./config.toml."""
    if given:
        return Path(given)
    local = Path("config.toml")
    if not local.exists() and os.environ.get("SHENBAO_CONFIG"):
        return Path(os.environ["SHENBAO_CONFIG"])
    return local


def load(ctx: click.Context) -> Config:
    return load_config(config_path(ctx.obj.get("config")))


@click.group(cls=ShenbaoGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", metavar="PATH", help="Config file (default ./config.toml, else $SHENBAO_CONFIG).")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-v", "--verbose", is_flag=True, help="Log what each cycle does.")
@click.version_option(package_name="shenbao")
@click.pass_context
def cli(ctx: click.Context, config: str | None, debug: bool, verbose: bool) -> None:
    """shenbao (申报): email intake for nomination campaigns."""
    ctx.ensure_object(dict)
    ctx.obj.update(config=config, debug=debug)
    from shenbao.service.logs import setup_logging

    setup_logging(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)


@cli.command("check-config")
@click.pass_context
@handle_errors
def check_config(ctx: click.Context) -> None:
    """Validate the config; print each error with its key path; exit 2 on error."""
    from shenbao.config_hints import deadline_warning, require_secrets

    path = config_path(ctx.obj.get("config"))
    config = load_config(path)
    require_secrets(config)
    click.echo(f"{path}: OK ({config.mailbox.kind} mailbox, {config.smtp.kind} replies, "
               f"deadline {config.campaign.deadline.isoformat()})")
    from shenbao.secrets import config_warnings

    for warning in [*config_warnings(config, path), deadline_warning(config, utc_now())]:
        if warning:
            click.echo(f"warning: {warning}", err=True)


@cli.command()
@click.option("--once", is_flag=True, help="One full cycle (fetch, process, send due replies), then exit.")
@click.pass_context
@handle_errors
def run(ctx: click.Context, once: bool) -> None:
    """Run the service: poll the mailbox, reply, send the digest on schedule."""
    from shenbao.collector import settle_after_imports
    from shenbao.service.daemon import Daemon
    from shenbao.service.instance import instance_guard
    from shenbao.service.logs import file_log
    from shenbao.replies.outbox import recover_interrupted
    from shenbao.service.wiring import build_pipeline
    from shenbao.service.progress import Progress

    from shenbao.config_hints import require_secrets

    config = load(ctx)
    require_secrets(config)
    pipeline = build_pipeline(config, utc_now)
    settle_after_imports()
    progress = Progress()
    pipeline.progress = progress
    with file_log(config.data_dir):
        if not once:
            Daemon(config, pipeline, utc_now).run()
            return
        with instance_guard(config.data_dir, pipeline.store, pipeline.mailbox.name):
            recover_interrupted(pipeline.store)
            try:
                report = pipeline.run_once()
            finally:
                pipeline.mailbox.close()
        progress.close()
        logging.getLogger("shenbao.run").info("run --once done", extra={"fields": vars(report)})
        click.echo(f"fetched {report.fetched}, processed {report.processed}, errors {report.errors}, "
                   f"replies sent {report.sent}, failed {report.failed}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of stdout.")
@click.option("--materials", type=click.Path(file_okay=False), metavar="DIR",
              help="Instead: copy every nomination's files into DIR/<unit>/<candidate>/ with normalised names.")
@click.pass_context
@handle_errors
def export(ctx: click.Context, fmt: str, output: str | None, materials: str | None) -> None:
    """Export the register (nominations and emails), or every nomination's files (--materials)."""
    from shenbao.office.export import register, to_json
    from shenbao.service.wiring import open_store

    given = [name for name, param in (("--format", "fmt"), ("-o", "output"))
             if ctx.get_parameter_source(param) is click.core.ParameterSource.COMMANDLINE]
    if materials and given:
        raise click.UsageError(f"--materials copies the files into DIR and writes no register: drop {' and '.join(given)}"
                               " (or export the register in a second run)")
    config = load(ctx)
    store = open_store(config)
    if materials:
        from shenbao.office.materials import export_materials

        click.echo(export_materials(store, Path(materials)).summary())
        return
    if fmt == "xlsx":
        from shenbao.office.xlsx import register_xlsx

        if not output:
            raise click.UsageError("--format xlsx needs -o FILE")
        Path(output).write_bytes(register_xlsx(store, config))
        return
    if fmt == "csv":
        from notify.workbook import people_csv
        from shenbao.office.overview import nomination_views

        with store.session() as s:
            text = people_csv(nomination_views(s, config), config.campaign.timezone)
    else:
        text = to_json(register(store, config))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("--notify", is_flag=True, help="Also send each sender whose checklist changed the updated one.")
@click.pass_context
@handle_errors
def reevaluate(ctx: click.Context, notify: bool) -> None:
    """Re-run the rules on every stored nomination (no refetch) and print what changed."""
    from shenbao.service.maintenance import recheck_command
    from shenbao.service.wiring import open_store

    config = load(ctx)
    click.echo(recheck_command(open_store(config), config, utc_now(), notify), nl=False)


@cli.command("show")
@click.argument("ref", metavar="ID")
@click.pass_context
@handle_errors
def show_nomination(ctx: click.Context, ref: str) -> None:
    """Print one nomination: status, problems, files, emails, replies, decisions."""
    from shenbao.office.show import show
    from shenbao.service.wiring import open_store

    config = load(ctx)
    click.echo(show(open_store(config), config, ref), nl=False)


@cli.command()
@click.argument("ref", metavar="ID")
@click.option("--accept", is_flag=True, help="Accept it, whatever the automatic check says.")
@click.option("--reject", is_flag=True, help="Reject it.")
@click.option("--reopen", is_flag=True, help="Withdraw the decision in force.")
@click.option("--note", required=True, help="Why (kept with the decision).")
@click.option("--by", "by", default="", help="Who decides (default: the login name).")
@click.pass_context
@handle_errors
def decide(ctx: click.Context, ref: str, accept: bool, reject: bool, reopen: bool, note: str, by: str) -> None:
    """Record an office decision on a nomination; it overrides the automatic status."""
    import getpass

    from notify.office import decision_text
    from shenbao.register.decisions import Action, decide as record
    from shenbao.service.wiring import open_store

    flags: tuple[tuple[Action, bool], ...] = (("accept", accept), ("reject", reject), ("reopen", reopen))
    chosen = [name for name, flag in flags if flag]
    if len(chosen) != 1:
        raise click.UsageError("choose exactly one of --accept, --reject or --reopen"
                               + (f" (not {' and '.join('--' + c for c in chosen)} together)" if chosen else ""))
    config = load(ctx)
    sub, decision = record(open_store(config), config, ref, chosen[0],
                           note, by or getpass.getuser(), utc_now())
    text = decision_text(decision.action, decision.note, decision.decided_by, decision.decided_at,
                         config.campaign.timezone)
    click.echo(f"{sub.ref}（{sub.candidate or '候选人未识别'}，{sub.unit}）已记录办公室决定：{text}")


@cli.command()
@click.argument("mail", metavar="MAIL")
@click.argument("ref", metavar="NOMINATION")
@click.pass_context
@handle_errors
def attach(ctx: click.Context, mail: str, ref: str) -> None:
    """Attach a held mail (held:sender) to a nomination after checking it.

    MAIL is the mail's Message-ID or its email id (both in `digest --print`); NOMINATION its
    reference (JZ2021-007). The mail's files and body join the nomination, which is re-checked;
    nothing is sent. Exit 2 when either is unknown or the mail is not held."""
    from shenbao.intake.held import attach_held
    from shenbao.service.wiring import open_store

    config = load(ctx)
    email, sub, files = attach_held(open_store(config), config, mail, ref, utc_now())
    click.echo(f"{sub.ref}: attached email {email.id} from {email.from_addr} ({files} file(s)); "
               f"{sub.ref} is now {sub.status}")


@cli.command()
@click.argument("ref", metavar="ID")
@click.option("--received", is_flag=True, help="The paper copies of the form (一式2份加盖公章) have arrived.")
@click.option("--missing", is_flag=True, help="They have not arrived (undoes a mistaken --received).")
@click.option("--note", default="", help="A note kept with the mark (e.g. 邮寄, 专人送达).")
@click.option("--by", "by", default="", help="Who marks it (default: the login name).")
@click.pass_context
@handle_errors
def paper(ctx: click.Context, ref: str, received: bool, missing: bool, note: str, by: str) -> None:
    """Mark a nomination's paper copies (推荐表一式2份加盖公章) received or missing."""
    import getpass

    from notify.wording import format_full_time
    from shenbao.office.paper import mark_paper, paper_label
    from shenbao.service.wiring import open_store

    if received == missing:
        raise click.UsageError("choose exactly one of --received or --missing")
    config = load(ctx)
    sub, mark = mark_paper(open_store(config), ref, received, note, by or getpass.getuser(), utc_now())
    when = format_full_time(mark.marked_at, config.campaign.timezone)
    click.echo(f"{sub.ref}：纸质推荐表{paper_label(mark)}（{mark.marked_by}，{when}）{('：' + mark.note) if mark.note else ''}")


@cli.command()
@click.option("--print", "show", is_flag=True, help="Print the digest as it is now; sends nothing, changes nothing.")
@click.option("--html", is_flag=True, help="With --print: print the HTML part instead of the text.")
@click.option("--send", is_flag=True, help="Send it now to [digest] recipients, the register attached as .xlsx.")
@click.pass_context
@handle_errors
def digest(ctx: click.Context, show: bool, html: bool, send: bool) -> None:
    """The office's daily digest: --print it, or --send it now."""
    from shenbao.service.wiring import open_store

    if show == send:
        raise click.UsageError("choose one of --print or --send")
    config = load(ctx)
    store = open_store(config)
    if show:
        from notify.digest import render_digest
        from shenbao.office.digest_data import gather
        from shenbao.service.digest_job import last_digest_at

        rendered = render_digest(gather(store, config, utc_now(), last_digest_at(store)))
        click.echo(rendered.html if html else f"主题：{rendered.subject}\n\n{rendered.text}", nl=False)
        return
    from shenbao.service.digest_job import send_digest
    from shenbao.service.wiring import open_sender

    result = send_digest(store, config, open_sender(config), utc_now())
    if not result.sent:
        raise SendError(f"digest queued but not sent: {result.error}; `shenbao run` retries it")
    click.echo(f"digest sent to {', '.join(config.digest.recipients)}: {result.subject}")


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default [web] host, 127.0.0.1). "
                                            "Anything but loopback needs [web] password.")
@click.option("--port", type=int, default=None, help="Port (default [web] port, 8080; 0 = any free port).")
@click.pass_context
@handle_errors
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve a read-only web view of the register: nominations, files, thumbnails."""
    from shenbao.service.wiring import open_store
    from shenbao.office.web import serve as serve_web

    config = load(ctx)
    store = open_store(config)
    serve_web(store, config, host or config.web.host, config.web.port if port is None else port,
              ready=lambda url: click.echo(f"serving the register at {url} (Ctrl-C to stop)", err=True))


@cli.command()
@click.option("--probe", is_flag=True, help="Also send a test mail to the mailbox and wait until a poll sees it.")
@click.pass_context
@handle_errors
def doctor(ctx: click.Context, probe: bool) -> None:
    """Check the register (database kind, schema version), the IMAP login (with ID and SELECT) and the SMTP login."""
    from shenbao.service import doctor as checks
    from shenbao.service.wiring import open_mailbox, open_store

    config = load(ctx)
    sections = checks.check(config)
    if probe:
        mailbox_name = open_mailbox(config).name
        cursor = open_store(config).cursor(mailbox_name)
        sections.append(("probe", [checks.probe(config, cursor, utc_now())]))
    text, ok = checks.render(sections)
    click.echo(text)
    ctx.exit(0 if ok else 1)


@cli.command()
@click.pass_context
@handle_errors
def migrate(ctx: click.Context) -> None:
    """Create the register or bring it to this shenbao's schema (every command also does this when it opens it)."""
    from shenbao.service.wiring import open_store

    click.echo(open_store(load(ctx)).migration.describe())


@cli.command()
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the demo's files in this directory.")
@handle_errors
def demo(keep: str | None) -> None:
    """Zero-setup showcase on bundled sample mail; replies are written as .eml files."""
    from shenbao.service.demo import run_demo

    click.echo(run_demo(Path(keep) if keep else None, utc_now))


def main() -> None:
    cli(obj={})
