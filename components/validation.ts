/** Thrown for arguments that could never deploy; the message names the component and the fix. */
export class InvalidArgumentError extends Error {
    constructor(component: string, message: string) {
        super(`${component}: ${message}`);
        this.name = "InvalidArgumentError";
    }
}

/** The values CloudWatch Logs accepts for `retentionInDays`. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export function requireLogRetention(component: string, days: number): number {
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) {
        throw new InvalidArgumentError(
            component,
            `logRetentionInDays ${days} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}.`,
        );
    }
    return days;
}

export function requireIntegerInRange(component: string, field: string, value: number, min: number, max: number, why = ""): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new InvalidArgumentError(component, `${field} must be a whole number from ${min} to ${max}${why}; got ${value}.`);
    }
    return value;
}

/** API Gateway stage names: letters, digits, hyphens and underscores, at most 128 characters. */
export function requireStageName(component: string, stageName: string): string {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
        throw new InvalidArgumentError(
            component,
            `stage name "${stageName}" is invalid: use 1 to 128 letters, digits, "-" or "_" (set the stageName argument or the serverless-websockets:stageName config).`,
        );
    }
    return stageName;
}
