import type { APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { errorReply, type RouteReply } from "./message";

/**
 * Builds the `$default` route handler: it tells the caller which routes exist instead of API Gateway's bare
 * "Forbidden" frame. The route list is fixed at deploy time, so it is captured, not looked up.
 */
export function unknownRouteHandler(routeSelectionExpression: string, knownRoutes: readonly string[]) {
    const routes = [...knownRoutes].sort();
    const message = `No route matches this message. Routes are selected by ${routeSelectionExpression}; known routes: ${routes.join(", ")}.`;
    return async (_event: APIGatewayProxyWebsocketEventV2): Promise<RouteReply> => errorReply(400, "UnknownRoute", message, { routes });
}

// Captured by value even from node_modules (see handlers/index.ts).
export const deploymentOnlyModule = true;
