/** API Gateway's WebSocket limits and timeouts (B7, B24); tests shorten the timeouts. */
export interface GatewayLimits {
    integrationTimeoutMs: number;
    idleTimeoutMs: number;
    maxLifetimeMs: number;
    maxMessageBytes: number;
}

export const AWS_LIMITS: GatewayLimits = {
    integrationTimeoutMs: 29_000,
    idleTimeoutMs: 10 * 60_000,
    maxLifetimeMs: 2 * 60 * 60_000,
    maxMessageBytes: 128 * 1024,
};
