"""One module per scenario; each exposes `NAME` and `async def run(ctx) -> ScenarioResult`."""
