import { createHash } from "node:crypto";
import { errors } from "./errors";
import { isObject, type JsonObject } from "./fields";

/** A message attribute as the JSON protocol carries it: a Binary value is base64. */
export interface MessageAttribute {
    DataType: string;
    StringValue?: string;
    BinaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttribute>;

/** What SQS allows in a body and in a String attribute: XML's characters. */
const DISALLOWED_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ALLOWED_SET = "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const md5Hex = (data: string | Buffer) => createHash("md5").update(data).digest("hex");

/** A body SQS would store: not empty, and only the characters it allows. */
export function checkBody(body: string): void {
    if (body.length === 0) throw errors.invalidParameterValue("Value for parameter MessageBody is invalid. Reason: Empty message.");
    const bad = DISALLOWED_CHARACTER.exec(body);
    if (bad) {
        const code = bad[0].codePointAt(0)!.toString(16).toUpperCase();
        throw errors.invalidMessageContents(
            `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is ${ALLOWED_SET}`,
        );
    }
}

/** The request's `MessageAttributes`, checked against SQS's rules for names, types and values. */
export function readMessageAttributes(input: JsonObject | undefined): MessageAttributes {
    if (input === undefined) return {};
    const names = Object.keys(input);
    if (names.length > MAX_ATTRIBUTES) {
        throw errors.invalidParameterValue(
            `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
        );
    }
    // Entries, then fromEntries: an attribute named __proto__ is an own member, not the object's prototype.
    const attributes: [string, MessageAttribute][] = [];
    for (const name of names) {
        checkAttributeName(name);
        const value = input[name];
        if (!isObject(value)) throw errors.serialization(`Message attribute '${name}' must be a structure.`);
        const { DataType, StringValue, BinaryValue, StringListValues, BinaryListValues } = value;
        if (StringListValues !== undefined || BinaryListValues !== undefined) {
            throw errors.invalidParameterValue(
                `Message attribute '${name}': StringListValues and BinaryListValues are reserved by SQS, not supported.`,
            );
        }
        if (typeof DataType !== "string" || DataType === "") {
            throw errors.invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute type.`);
        }
        if (DataType.length > 256 || !DATA_TYPE.test(DataType)) {
            throw errors.invalidParameterValue(
                `The type of message attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
            );
        }
        attributes.push([
            name,
            DataType.startsWith("Binary")
                ? { DataType, BinaryValue: binaryValue(name, DataType, BinaryValue) }
                : { DataType, StringValue: stringValue(name, DataType, StringValue) },
        ]);
    }
    return Object.fromEntries(attributes);
}

function checkAttributeName(name: string): void {
    const reserved = /^(aws\.|amazon\.)/i.test(name);
    if (!ATTRIBUTE_NAME.test(name) || reserved || name.startsWith(".") || name.endsWith(".") || name.includes("..")) {
        throw errors.invalidParameterValue(
            `Message attribute name '${name}' is invalid: up to 256 of A-Z a-z 0-9 _ - ., no leading, trailing or doubled period, and no AWS. or Amazon. prefix.`,
        );
    }
}

function stringValue(name: string, dataType: string, value: unknown): string {
    if (typeof value !== "string" || value === "") {
        throw errors.invalidParameterValue(`The message attribute '${name}' with type '${dataType}' must use field 'String'.`);
    }
    if (DISALLOWED_CHARACTER.test(value)) {
        throw errors.invalidMessageContents(`Message attribute '${name}' has a character outside the allowed set ${ALLOWED_SET}.`);
    }
    if (dataType.startsWith("Number") && !Number.isFinite(Number(value))) {
        throw errors.invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
    }
    return value;
}

function binaryValue(name: string, dataType: string, value: unknown): string {
    if (typeof value !== "string" || value === "" || !BASE64.test(value)) {
        throw errors.invalidParameterValue(`The message attribute '${name}' with type '${dataType}' must use field 'Binary' (base64).`);
    }
    return value;
}

const valueBytes = (attribute: MessageAttribute): Buffer =>
    attribute.BinaryValue !== undefined ? Buffer.from(attribute.BinaryValue, "base64") : Buffer.from(attribute.StringValue ?? "", "utf8");

/** A message's size as SQS counts it against MaximumMessageSize: the body and every attribute's name, type and value. */
export function messageSize(body: string, attributes: MessageAttributes): number {
    let size = Buffer.byteLength(body, "utf8");
    for (const [name, attribute] of Object.entries(attributes)) {
        size += Buffer.byteLength(name, "utf8") + Buffer.byteLength(attribute.DataType, "utf8") + valueBytes(attribute).length;
    }
    return size;
}

export function checkSize(body: string, attributes: MessageAttributes, maxMessageSize: number): void {
    if (messageSize(body, attributes) > maxMessageSize) {
        throw errors.invalidParameterValue(
            `One or more parameters are invalid. Reason: Message must be shorter than ${maxMessageSize} bytes.`,
        );
    }
}

/**
 * MD5OfMessageAttributes as SQS computes it: attributes sorted by name, each as its name, its data type (each a
 * 4-byte big-endian length then UTF-8 bytes), a transport byte (1 string, 2 binary), then its value's length and bytes.
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
    const names = Object.keys(attributes).sort();
    if (names.length === 0) return undefined;
    const parts: Buffer[] = [];
    const lengthPrefixed = (bytes: Buffer) => {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(bytes.length);
        parts.push(length, bytes);
    };
    for (const name of names) {
        const attribute = attributes[name];
        lengthPrefixed(Buffer.from(name, "utf8"));
        lengthPrefixed(Buffer.from(attribute.DataType, "utf8"));
        parts.push(Buffer.of(attribute.BinaryValue !== undefined ? 2 : 1));
        lengthPrefixed(valueBytes(attribute));
    }
    return md5Hex(Buffer.concat(parts));
}

/** The attributes ReceiveMessage's `MessageAttributeNames` asks for: names, `All`, `.*`, or prefixes as `prefix.*`. */
export function selectAttributes(attributes: MessageAttributes, requested: string[]): MessageAttributes {
    if (requested.includes("All") || requested.includes(".*")) return attributes;
    const prefixes = requested.filter((name) => name.endsWith(".*")).map((name) => name.slice(0, -1));
    return Object.fromEntries(
        Object.entries(attributes).filter(([name]) => requested.includes(name) || prefixes.some((prefix) => name.startsWith(prefix))),
    );
}
