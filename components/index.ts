export { ApiGatewayCloudWatchRole } from "./api-gateway-cloudwatch-role";
export { EchoWebSocket, type EchoWebSocketArgs } from "./echo-websocket";
export { HandlerFunction, type FunctionCode, type FunctionSettings, type HandlerFunctionArgs } from "./handler-function";
export type { PolicyStatement } from "./policy";
export { InvalidArgumentError } from "./validation";
export { WebSocketApi, type WebSocketApiArgs } from "./websocket-api";
export { WebSocketRoute, type RouteArgs, type RouteHandler, type WebSocketRouteArgs } from "./websocket-route";
export type { WebSocketEvent, WebSocketResult } from "../handlers/events";
