import type { AuthorizationRequest } from "../../graph/policies";

/** Where the tables live, and each table's partition key, for `dynamodb:LeadingKeys`. */
export interface DynamoDBPlace {
    region: string;
    accountId: string;
    /** Table name → its partition key's attribute name. */
    hashKeys: ReadonlyMap<string, string>;
}

type Body = Record<string, unknown>;

/** The condition keys these requests carry, for the policy compiler. */
export const DYNAMODB_CONDITION_KEYS = ["dynamodb:LeadingKeys", "dynamodb:Select", "dynamodb:ReturnValues", "dynamodb:EnclosingOperation"];

/**
 * The IAM requests one DynamoDB call makes, as the Service Authorization Reference defines them: the action
 * `dynamodb:<Operation>` on the table's ARN (an index's when the call names one); a batch or transaction makes one
 * request per table and item action (`TransactWriteItems`' Put is `dynamodb:PutItem`, its ConditionCheck
 * `dynamodb:ConditionCheckItem`, with `dynamodb:EnclosingOperation`). Every request must be allowed. An operation
 * this does not know yields `dynamodb:<Operation>` on the table, or on `*` without one.
 */
export function dynamodbRequests(operation: string, body: Body, place: DynamoDBPlace): AuthorizationRequest[] {
    const table = (name: unknown, index?: unknown) =>
        `arn:aws:dynamodb:${place.region}:${place.accountId}:table/${String(name)}${index ? `/index/${String(index)}` : ""}`;
    const partitionValue = (tableName: unknown, item: unknown): string | undefined => {
        const key = place.hashKeys.get(String(tableName));
        return key ? scalar(isObject(item) ? item[key] : undefined) : undefined;
    };
    const leadingKeys = (tableName: unknown, items: readonly unknown[]): string[] | undefined => {
        const values = [...new Set(items.map((item) => partitionValue(tableName, item)))];
        return values.length === 0 || values.includes(undefined) ? undefined : (values as string[]);
    };
    const request = (
        action: string,
        tableName: unknown,
        context: AuthorizationRequest["context"] = {},
        index?: unknown,
    ): AuthorizationRequest => ({
        action: `dynamodb:${action}`,
        resource: tableName === undefined ? "*" : table(tableName, index),
        context,
    });
    switch (operation) {
        case "GetItem":
        case "DeleteItem":
        case "UpdateItem":
            return [
                request(operation, body.TableName, {
                    "dynamodb:LeadingKeys": leadingKeys(body.TableName, [body.Key]),
                    "dynamodb:ReturnValues": optionalString(body.ReturnValues),
                }),
            ];
        case "PutItem":
            return [
                request(operation, body.TableName, {
                    "dynamodb:LeadingKeys": leadingKeys(body.TableName, [body.Item]),
                    "dynamodb:ReturnValues": optionalString(body.ReturnValues),
                }),
            ];
        case "Query": {
            const key = place.hashKeys.get(String(body.TableName));
            const value = body.IndexName === undefined && key ? queriedPartition(body, key) : undefined;
            return [
                request(
                    operation,
                    body.TableName,
                    { "dynamodb:Select": optionalString(body.Select), "dynamodb:LeadingKeys": value === undefined ? undefined : [value] },
                    body.IndexName,
                ),
            ];
        }
        case "Scan":
            return [request(operation, body.TableName, { "dynamodb:Select": optionalString(body.Select) }, body.IndexName)];
        case "BatchGetItem":
        case "BatchWriteItem":
            return Object.entries(isObject(body.RequestItems) ? body.RequestItems : {}).map(([tableName, entries]) => {
                // BatchGetItem: { Keys: [key…] }; BatchWriteItem: [{ PutRequest: { Item } } | { DeleteRequest: { Key } }…].
                const items =
                    operation === "BatchGetItem"
                        ? [isObject(entries) ? (entries.Keys ?? []) : []].flat()
                        : [entries ?? []].flat().map((entry) => {
                              const write = isObject(entry) ? entry : {};
                              const put = isObject(write.PutRequest) ? write.PutRequest.Item : undefined;
                              return put ?? (isObject(write.DeleteRequest) ? write.DeleteRequest.Key : undefined);
                          });
                return request(operation, tableName, { "dynamodb:LeadingKeys": leadingKeys(tableName, items) });
            });
        case "TransactWriteItems":
        case "TransactGetItems": {
            const items = [body.TransactItems ?? []]
                .flat()
                .filter(isObject)
                .flatMap((entry) => Object.entries(entry).filter(([, item]) => isObject(item)));
            const requests = items.map(([kind, item]) =>
                request(TRANSACT_ACTIONS[kind] ?? kind, (item as Body).TableName, {
                    "dynamodb:EnclosingOperation": operation,
                    "dynamodb:LeadingKeys": leadingKeys((item as Body).TableName, [(item as Body).Key ?? (item as Body).Item]),
                }),
            );
            // A transaction with no item the reference names still asks for its own action.
            return requests.length > 0 ? requests : [request(operation, undefined)];
        }
        case "ExecuteStatement":
            return [partiqlRequest(body.Statement, request)];
        case "BatchExecuteStatement":
        case "ExecuteTransaction": {
            const statements = [(operation === "ExecuteTransaction" ? body.TransactStatements : body.Statements) ?? []]
                .flat()
                .filter(isObject)
                .map((entry) => partiqlRequest(entry.Statement, request));
            return statements.length > 0 ? statements : [request(operation, undefined)];
        }
        default:
            return [request(operation, body.TableName)];
    }
}

/**
 * A PartiQL statement's request: `dynamodb:PartiQLSelect` (…Insert, …Update, …Delete) on the table, or the index a
 * `SELECT … FROM "table"."index"` reads. A statement this cannot read asks for `dynamodb:PartiQLSelect` on `*`,
 * which only a policy that allows every table allows.
 */
function partiqlRequest(
    statement: unknown,
    request: (action: string, tableName: unknown, context?: AuthorizationRequest["context"], index?: unknown) => AuthorizationRequest,
): AuthorizationRequest {
    const text = typeof statement === "string" ? statement : "";
    const verb = /^\s*(SELECT|INSERT|UPDATE|DELETE)\b/i.exec(text)?.[1]?.toUpperCase();
    const target = /(?:\bFROM|\bINTO|^\s*UPDATE)\s+("(?:[^"]|"")+"|[A-Za-z0-9_.-]+)(?:\s*\.\s*("(?:[^"]|"")+"|[A-Za-z0-9_.-]+))?/i.exec(
        text,
    );
    const unquote = (name: string | undefined) => name?.replace(/^"|"$/g, "").replace(/""/g, '"');
    const action = verb ? `PartiQL${verb[0]}${verb.slice(1).toLowerCase()}` : "PartiQLSelect";
    return request(action, verb ? unquote(target?.[1]) : undefined, {}, verb === "SELECT" ? unquote(target?.[2]) : undefined);
}

/** An attribute value's scalar (S, N or B), as `dynamodb:LeadingKeys` carries it. */
function scalar(value: unknown): string | undefined {
    if (!isObject(value)) return undefined;
    const found = value.S ?? value.N ?? value.B;
    return typeof found === "string" ? found : undefined;
}

/**
 * The partition key value a Query asks for: `KeyConditions` (`EQ`), or the `key = :value` (either way round, the
 * name maybe a `#placeholder`) of its `KeyConditionExpression`.
 */
function queriedPartition(body: Body, key: string): string | undefined {
    if (isObject(body.KeyConditions)) {
        const condition = body.KeyConditions[key];
        return isObject(condition) ? scalar([condition.AttributeValueList ?? []].flat()[0]) : undefined;
    }
    if (typeof body.KeyConditionExpression !== "string") return undefined;
    const names = isObject(body.ExpressionAttributeNames) ? body.ExpressionAttributeNames : {};
    const values = isObject(body.ExpressionAttributeValues) ? body.ExpressionAttributeValues : {};
    const name = (token: string) => (token.startsWith("#") ? names[token] : token);
    for (const [, left, right] of body.KeyConditionExpression.matchAll(/([#:]?[A-Za-z0-9_.-]+)\s*=\s*([#:]?[A-Za-z0-9_.-]+)/g)) {
        if (name(left) === key && right.startsWith(":")) return scalar(values[right]);
        if (name(right) === key && left.startsWith(":")) return scalar(values[left]);
    }
    return undefined;
}

/** A transaction item's kind → the action IAM checks for it. */
const TRANSACT_ACTIONS: Record<string, string> = {
    Put: "PutItem",
    Update: "UpdateItem",
    Delete: "DeleteItem",
    ConditionCheck: "ConditionCheckItem",
    Get: "GetItem",
};

const isObject = (value: unknown): value is Body => value !== null && typeof value === "object" && !Array.isArray(value);

const optionalString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
