import { errors } from "./errors";

/** A request's JSON body, or one structure inside it, before its members are checked. */
export type JsonObject = { readonly [member: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

const describe = (value: unknown) => (Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`);

/** A member of the wrong JSON type is refused as AWS's deserializer refuses it, before the operation runs. */
const wrongType = (name: string, expected: string, value: unknown) =>
    errors.serialization(`${name} must be ${expected}; the request has ${describe(value)}.`);

// `null` reads as absent, as the SDK's own deserializers read it.
const present = (value: unknown) => value !== undefined && value !== null;

export function optionalString(input: JsonObject, name: string): string | undefined {
    const value = input[name];
    if (!present(value)) return undefined;
    if (typeof value !== "string") throw wrongType(name, "a string", value);
    return value;
}

export function requiredString(input: JsonObject, name: string): string {
    const value = optionalString(input, name);
    if (value === undefined) throw errors.missingParameter(name);
    return value;
}

export function optionalInteger(input: JsonObject, name: string): number | undefined {
    const value = input[name];
    if (!present(value)) return undefined;
    if (typeof value !== "number" || !Number.isSafeInteger(value)) throw wrongType(name, "an integer", value);
    return value;
}

/** An integer within SQS's bounds, with SQS's wording when it is not. */
export function integerBetween(input: JsonObject, name: string, min: number, max: number): number | undefined {
    const value = optionalInteger(input, name);
    if (value !== undefined && (value < min || value > max)) {
        throw errors.invalidParameterValue(
            `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
        );
    }
    return value;
}

export function optionalStringList(input: JsonObject, name: string): string[] | undefined {
    const value = input[name];
    if (!present(value)) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw wrongType(name, "a list of strings", value);
    return value as string[];
}

export function optionalObject(input: JsonObject, name: string): JsonObject | undefined {
    const value = input[name];
    if (!present(value)) return undefined;
    if (!isObject(value)) throw wrongType(name, "a structure", value);
    return value;
}

export function requiredObjectList(input: JsonObject, name: string): JsonObject[] {
    const value = input[name];
    if (!present(value)) throw errors.missingParameter(name);
    if (!Array.isArray(value) || !value.every(isObject)) throw wrongType(name, "a list of structures", value);
    return value;
}
