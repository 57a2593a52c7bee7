import { unknownRouteHandler } from "../handlers/unknown-route";
import type { RouteArgs, RouteHandler } from "./websocket-route";

/**
 * Adds a two-way `$default` route that answers an unknown or missing action with the known routes, unless the
 * caller gave a `$default` of its own. Better than API Gateway's bare "Forbidden" frame for a client developer.
 */
export function withUnknownRouteReply(
    routes: Record<string, RouteHandler | RouteArgs>,
    routeSelectionExpression: string,
): Record<string, RouteHandler | RouteArgs> {
    if ("$default" in routes) {
        return routes;
    }
    const messageRoutes = Object.keys(routes).filter((key) => !key.startsWith("$"));
    return { ...routes, $default: { handler: unknownRouteHandler(routeSelectionExpression, messageRoutes), returnResponse: true } };
}
