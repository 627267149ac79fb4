"""`build_asgi_app(settings)`: the one Starlette app that `serve` and the playground run.

Routes: POST /slack/events (Bolt), POST /webhooks/bookable (and /webhooks/bookable/<account>
for a workspace's own Bookable account), GET /calendar/<booking>.ics (signed "Add to
calendar" links), GET /healthz, GET /metrics (Prometheus), in OAuth mode GET /slack/install
and /slack/oauth_redirect, and, with BOOKABLE_ENV=local, the embedded Bookable sandbox under
/_sandbox and POST /_dev/reminders/run (moves the app's clock and sends the reminders due).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from bot.config import LOCAL_SANDBOX_PREFIX, Settings
from bot.context import AppContext
from bot.notify.notifier import Notifier
from bot.notify.reminders import ReminderRunner
from bot.observability.metrics import OutboxGauges, render
from bot.service.plans import PlanService
from bot.service.reminders import Clock, OffsetClock
from bot.service.sweep import SubmissionSweep
from bot.service.webhooks import AccountWebhooks, WebhookIngest
from bot.slack.app import build_bolt_app
from bot.slack.followups import FollowUps
from bot.slack.home import HomePublisher
from bot.slack.installations import workspace_tokens
from bot.slack.listeners.shared import response_session, response_url_session
from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.slack.users import UserDirectory
from bot.store.core import utc_now
from bot.web.calendar import calendar_entry
from bot.web.dev import run_pass, run_reminders
from bot.web.limits import BodySizeLimit
from bot.web.local import register_local_webhook
from bot.web.observe import RequestObservation, note_slack_kind
from bot.web.slack_payloads import check_payload, is_signed
from bot.web.slack_retries import SlackRetries

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.sandbox import SandboxConfig

log = logging.getLogger(__name__)


def build_asgi_app(
    settings: Settings,
    *,
    public_base: str | None = None,
    sandbox_config: SandboxConfig | None = None,
    clock: Clock | None = None,
) -> Starlette:
    """`public_base` is this server's own loopback URL (used to reach the local sandbox).

    `sandbox_config` tunes the embedded sandbox (BOOKABLE_ENV=local only). `clock` is the
    time reminders and calendar links go by: by default the real one, which
    BOOKABLE_ENV=local lets `/_dev/reminders/run` move (an `OffsetClock`).
    """
    base = public_base or f"http://{settings.host}:{settings.port}"
    if clock is None:
        clock = OffsetClock() if settings.is_local else utc_now
    state: dict[str, object] = {}
    retries = SlackRetries()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Whatever started is stopped, newest first: at shutdown, and when a later
        # start-up step fails (e.g. Socket Mode refuses the app token).
        async with contextlib.AsyncExitStack() as started:
            ctx = await AppContext.create(settings, local_base=base, clock=clock)
            started.push_async_callback(ctx.aclose)
            followups = FollowUps(
                workers=settings.followup_workers, size=settings.followup_queue_size
            )
            answers = response_url_session()
            started.push_async_callback(answers.close)
            response_session.set(answers)  # inherited by the workers' tasks
            followups.start()
            started.push_async_callback(followups.stop)
            home = HomePublisher(
                ctx.store,
                ctx.slack,
                UserDirectory(ctx.slack),
                accounts=ctx.accounts if settings.oauth_mode else None,
                admin_ids=settings.admin_user_ids(),
            )
            bolt = build_bolt_app(ctx, followups, home)

            async def booking_changed(booking_id: str) -> None:
                """After each delivered confirmation, status change or change: the booker's
                Home tab, and a plan whose booking the venue called off."""
                await home.booking_changed(booking_id)
                try:
                    await ctx.plans.booking_updated(booking_id)
                except Exception:
                    log.exception("plan of booking %s not updated", booking_id)

            handler = AsyncSlackRequestHandler(bolt)
            ingest = WebhookIngest(ctx.store, settings)
            notifier = Notifier(
                ctx.store,
                settings,
                venues=ctx.booking.venues,
                on_booking_changed=booking_changed,
                reminders=ctx.booking.reminders,
                calendar=ctx.calendar,
                tokens=workspace_tokens(settings, ctx.store),
            )
            reminder_runner = ReminderRunner(
                ctx.store,
                settings,
                reminders=ctx.booking.reminders,
                slack=ctx.slack,
                calendar=ctx.calendar,
                client_for=notifier.retrying_client_for,
            )
            ctx.plans = PlanService(
                ctx.store, ctx.booking, times=ctx.booking.times,
                client_for=notifier.retrying_client_for, calendar=ctx.calendar,
                accounts=ctx.accounts if settings.oauth_mode else None,
                clock=ctx.booking.reminders.now, poll_interval=settings.reminder_poll_interval,
            )  # fmt: skip
            if settings.oauth_mode:
                home.client_for = notifier.client_for
            ingest.on_accepted = notifier.wake
            account_ingests = AccountWebhooks(ctx.store, settings, on_accepted=notifier.wake)
            ctx.booking.on_confirmation_queued = notifier.wake
            sweep = SubmissionSweep(ctx.store, settings, on_queued=notifier.wake)
            outbox_gauges = OutboxGauges(ctx.store.outbox_stats)
            state.update(
                ctx=ctx,
                handler=handler,
                ingest=ingest,
                account_ingests=account_ingests,
                notifier=notifier,
                followups=followups,
                outbox_gauges=outbox_gauges,
                reminder_runner=reminder_runner,
            )
            await notifier.start()
            started.push_async_callback(notifier.stop)
            sweep.start()
            started.push_async_callback(sweep.stop)
            reminder_runner.start()
            started.push_async_callback(reminder_runner.stop)
            ctx.plans.start()
            started.push_async_callback(ctx.plans.stop)
            socket_mode = await _start_socket_mode(settings, bolt)
            if socket_mode is not None:
                started.push_async_callback(socket_mode.close_async)
            if settings.is_local:
                registering = asyncio.create_task(register_local_webhook(ctx, base))
                started.callback(registering.cancel)
            log.info(
                "Bookable for Slack ready on %s (Bookable env: %s)", base, settings.bookable_env
            )
            _freeze_start_up_objects()
            yield

    async def slack_events(request: Request) -> Response:
        handler: AsyncSlackRequestHandler = state["handler"]  # type: ignore[assignment]
        signed = await _signed_by_slack(request, settings)
        if signed:  # only then is a payload's shape worth a precise answer
            if retries.is_repeat(await request.body(), request.headers):
                return Response(status_code=200)
            payload = check_payload(await request.body(), request.headers.get("content-type", ""))
            note_slack_kind(request, payload.kind)
            if payload.problem:
                log.warning("Slack request rejected: %s", payload.problem)
                return JSONResponse({"ok": False, "error": "malformed payload"}, status_code=400)
        try:
            return await handler.handle(request)
        except Exception as error:
            # Bolt parses the body, assuming Slack's shapes, before it checks the signature,
            # so a malformed body from anyone raises here: the sender's fault, not ours.
            if signed is False:
                log.warning("Slack request rejected: bad signature")
                return JSONResponse({"ok": False, "error": "invalid request"}, status_code=401)
            log.warning("Slack request rejected: malformed body (%s)", type(error).__name__)
            return JSONResponse({"ok": False, "error": "malformed request"}, status_code=400)

    async def slack_oauth(request: Request) -> Response:
        """Add to Slack page and OAuth redirect (OAuth mode): Bolt's flow."""
        handler: AsyncSlackRequestHandler = state["handler"]  # type: ignore[assignment]
        return await handler.handle(request)

    async def bookable_webhook(request: Request) -> Response:
        ingest: WebhookIngest = state["ingest"]  # type: ignore[assignment]
        return await ingest.handle(request)

    async def calendar(request: Request) -> Response:
        ctx: AppContext = state["ctx"]  # type: ignore[assignment]
        return await calendar_entry(request, ctx.calendar, ctx.store)

    async def dev_reminders(request: Request) -> Response:
        runner: ReminderRunner = state["reminder_runner"]  # type: ignore[assignment]
        return await run_reminders(request, runner, clock)

    async def dev_plans(request: Request) -> Response:
        ctx: AppContext = state["ctx"]  # type: ignore[assignment]
        return await run_pass(request, clock, ctx.plans.next_due, ctx.plans.run_due)

    async def account_webhook(request: Request) -> Response:
        """A workspace's own Bookable account: its own path and signing secret."""
        ingests: AccountWebhooks = state["account_ingests"]  # type: ignore[assignment]
        try:
            ingest = await ingests.get(request.path_params["account"])
        except Exception:  # the database: Bookable retries later
            log.exception("Bookable webhook: could not look up the account")
            return JSONResponse({"ok": False, "error": "temporarily unavailable"}, status_code=503)
        if ingest is None:
            return JSONResponse({"ok": False, "error": "unknown account"}, status_code=404)
        return await ingest.handle(request)

    async def healthz(request: Request) -> Response:
        ctx = state.get("ctx")
        if not isinstance(ctx, AppContext):
            return JSONResponse({"ok": False, "status": "starting"}, status_code=503)
        try:
            outbox = await ctx.store.outbox_stats()
        except Exception:  # the probe must answer even when the database is down
            log.exception("health check: database unavailable")
            return JSONResponse({"ok": False, "database": "unavailable"}, status_code=503)
        body: dict[str, object] = {
            "ok": True,
            "bookable_env": settings.bookable_env,
            "outbox": outbox,
        }
        if outbox.get("dead"):
            # Still 200: the app serves and delivers everything else; a dead letter needs
            # a person (fix the channel or token, then `bookable-bot outbox retry`).
            body["warnings"] = [
                f"{outbox['dead']} undeliverable update(s): see `bookable-bot outbox`"
            ]
        return JSONResponse(body)

    async def metrics(request: Request) -> Response:
        gauges = state.get("outbox_gauges")
        if isinstance(gauges, OutboxGauges):
            await gauges.refresh()
        body, content_type = render()
        return Response(body, headers={"Content-Type": content_type})

    routes: list[Route | Mount] = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/webhooks/bookable", bookable_webhook, methods=["POST"]),
        Route("/calendar/{name}", calendar, methods=["GET"]),
        Route("/webhooks/bookable/{account}", account_webhook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        *(
            [
                Route(INSTALL_PATH, slack_oauth, methods=["GET"]),
                Route(REDIRECT_PATH, slack_oauth, methods=["GET"]),
            ]
            if settings.oauth_mode
            else []
        ),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    if settings.is_local:
        from bot.sandbox import SandboxConfig, SandboxState, create_sandbox_app

        config = sandbox_config or SandboxConfig(
            signature_encoding=settings.bookable_webhook_signature_encoding
        )
        sandbox_state = SandboxState(config)
        routes.append(Mount(LOCAL_SANDBOX_PREFIX, app=create_sandbox_app(sandbox_state)))
        routes.append(Route("/_dev/reminders/run", dev_reminders, methods=["POST"]))
        routes.append(Route("/_dev/plans/run", dev_plans, methods=["POST"]))
    middleware = [Middleware(RequestObservation), Middleware(BodySizeLimit)]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.services = state  # what the lifespan built, for inspection
    return app


def _freeze_start_up_objects() -> None:
    """Keep what start-up made (modules, clients, settings: it lives as long as the
    process) out of the cyclic garbage collector. A full collection otherwise walks all of
    it, pausing the event loop, and every ack waiting on it, for 50 to 400 ms under load
    (bench/README.md, "Garbage collector pauses"); frozen, it walks only newer objects."""
    gc.collect()
    gc.freeze()


async def _signed_by_slack(request: Request, settings: Settings) -> bool | None:
    """Whether Slack signed this request (None without a signing secret: Bolt decides).
    Bolt checks again itself; this only decides how precisely to refuse a bad body."""
    secret = settings.slack_signing_secret
    if secret is None:
        return None
    body = await request.body()  # Starlette keeps it for Bolt
    return is_signed(secret.get_secret_value(), body, request.headers)


async def _start_socket_mode(settings: Settings, bolt: object) -> AsyncSocketModeHandler | None:
    if not settings.slack_app_token:
        return None
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())  # type: ignore[arg-type]
    await handler.connect_async()
    log.info("Socket Mode connected; HTTP stays up for the Bookable webhook")
    return handler
