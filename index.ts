import { EchoWebSocket } from "./components";

// Stage name, log retention, throttling and logging come from this stack's `serverless-websockets:*` config.
const echo = new EchoWebSocket("echo");

export const echoUrl = echo.url;
export const echoApiId = echo.apiId;
export const echoStageName = echo.stageName;
