import { expect } from "chai";
import { dynamodbRequests } from "../../../../local/services/iam/dynamodb-requests";

const place = {
    region: "eu-west-1",
    accountId: "000000000000",
    hashKeys: new Map([
        ["connections", "connectionId"],
        ["subs", "channelKey"],
    ]),
};
const arn = (table: string) => `arn:aws:dynamodb:eu-west-1:000000000000:table/${table}`;

describe("IAM: what a DynamoDB call asks for, as the Service Authorization Reference defines it", () => {
    it("asks for dynamodb:<Operation> on the table, with the partition key as dynamodb:LeadingKeys", () => {
        expect(
            dynamodbRequests(
                "PutItem",
                { TableName: "connections", Item: { connectionId: { S: "abc=" } }, ReturnValues: "ALL_OLD" },
                place,
            ),
        ).to.deep.equal([
            {
                action: "dynamodb:PutItem",
                resource: arn("connections"),
                context: { "dynamodb:LeadingKeys": ["abc="], "dynamodb:ReturnValues": "ALL_OLD" },
            },
        ]);
        expect(dynamodbRequests("DeleteItem", { TableName: "connections", Key: { connectionId: { S: "x" } } }, place)[0]).to.deep.include({
            action: "dynamodb:DeleteItem",
            resource: arn("connections"),
        });
    });

    it("asks for the index's ARN when a Query or Scan names one", () => {
        expect(dynamodbRequests("Query", { TableName: "subs", IndexName: "byUser", Select: "COUNT" }, place)).to.deep.equal([
            {
                action: "dynamodb:Query",
                resource: `${arn("subs")}/index/byUser`,
                context: { "dynamodb:Select": "COUNT", "dynamodb:LeadingKeys": undefined },
            },
        ]);
        expect(dynamodbRequests("Scan", { TableName: "connections" }, place)[0].resource).to.equal(arn("connections"));
    });

    it("asks once per table of a batch, and per item of a transaction with the item's own action", () => {
        expect(
            dynamodbRequests("BatchWriteItem", { RequestItems: { connections: [], subs: [] } }, place).map((r) => [r.action, r.resource]),
        ).to.deep.equal([
            ["dynamodb:BatchWriteItem", arn("connections")],
            ["dynamodb:BatchWriteItem", arn("subs")],
        ]);
        const transaction = dynamodbRequests(
            "TransactWriteItems",
            {
                TransactItems: [
                    { Put: { TableName: "connections", Item: { connectionId: { S: "a" } } } },
                    { ConditionCheck: { TableName: "subs", Key: { channelKey: { S: "#" } } } },
                ],
            },
            place,
        );
        expect(transaction).to.deep.equal([
            {
                action: "dynamodb:PutItem",
                resource: arn("connections"),
                context: { "dynamodb:EnclosingOperation": "TransactWriteItems", "dynamodb:LeadingKeys": ["a"] },
            },
            {
                action: "dynamodb:ConditionCheckItem",
                resource: arn("subs"),
                context: { "dynamodb:EnclosingOperation": "TransactWriteItems", "dynamodb:LeadingKeys": ["#"] },
            },
        ]);
    });

    it("still asks for something on a hostile or unknown body, never nothing", () => {
        expect(dynamodbRequests("ListTables", {}, place)).to.deep.equal([{ action: "dynamodb:ListTables", resource: "*", context: {} }]);
        for (const items of ["nope", [null, 7, ["x"], { Put: "y" }]]) {
            expect(dynamodbRequests("TransactWriteItems", { TransactItems: items }, place), JSON.stringify(items)).to.deep.equal([
                { action: "dynamodb:TransactWriteItems", resource: "*", context: {} },
            ]);
        }
        expect(dynamodbRequests("PutItem", { TableName: "connections", Item: null }, place)[0].context).to.deep.equal({
            "dynamodb:LeadingKeys": undefined,
            "dynamodb:ReturnValues": undefined,
        });
    });

    it("asks PartiQL statements for PartiQLSelect, …Insert, …Update or …Delete on the table or index they name", () => {
        const actions = (Statement: unknown) => dynamodbRequests("ExecuteStatement", { Statement }, place);
        expect(actions(`SELECT * FROM "connections"."byUser" WHERE userId = ?`)).to.deep.equal([
            { action: "dynamodb:PartiQLSelect", resource: `${arn("connections")}/index/byUser`, context: {} },
        ]);
        expect(actions(`insert into connections value {'connectionId': ?}`)[0]).to.include({
            action: "dynamodb:PartiQLInsert",
            resource: arn("connections"),
        });
        expect(actions(`UPDATE "a""b" SET x = 1 WHERE k = ?`)[0]).to.include({ action: "dynamodb:PartiQLUpdate", resource: arn('a"b') });
        expect(actions(`DELETE FROM subs WHERE k = ?`)[0]).to.include({ action: "dynamodb:PartiQLDelete", resource: arn("subs") });
        expect(actions(42)[0]).to.include({ action: "dynamodb:PartiQLSelect", resource: "*" });
        const batch = dynamodbRequests(
            "BatchExecuteStatement",
            { Statements: [{ Statement: "SELECT * FROM a" }, null, { Statement: "DELETE FROM b WHERE k = 1" }] },
            place,
        );
        expect(batch.map((r) => r.action)).to.deep.equal(["dynamodb:PartiQLSelect", "dynamodb:PartiQLDelete"]);
        expect(dynamodbRequests("ExecuteTransaction", { TransactStatements: "x" }, place)).to.deep.equal([
            { action: "dynamodb:ExecuteTransaction", resource: "*", context: {} },
        ]);
    });

    it("gives a Query and a batch their partition keys as dynamodb:LeadingKeys, as fine-grained policies read them", () => {
        const query = (body: Record<string, unknown>) =>
            dynamodbRequests("Query", { TableName: "connections", ...body }, place)[0].context ?? {};
        expect(
            query({
                KeyConditionExpression: "#pk = :pk AND begins_with(sk, :p)",
                ExpressionAttributeNames: { "#pk": "connectionId" },
                ExpressionAttributeValues: { ":pk": { S: "abc" }, ":p": { S: "x" } },
            }),
        ).to.deep.include({ "dynamodb:LeadingKeys": ["abc"] });
        expect(query({ KeyConditionExpression: ":v = connectionId", ExpressionAttributeValues: { ":v": { S: "z" } } })).to.deep.include({
            "dynamodb:LeadingKeys": ["z"],
        });
        expect(query({ KeyConditions: { connectionId: { ComparisonOperator: "EQ", AttributeValueList: [{ S: "k" }] } } })).to.deep.include({
            "dynamodb:LeadingKeys": ["k"],
        });
        expect(
            query({ KeyConditionExpression: "other = :v", ExpressionAttributeValues: { ":v": { S: "z" } } })["dynamodb:LeadingKeys"],
        ).to.equal(undefined);
        const batch = dynamodbRequests(
            "BatchWriteItem",
            {
                RequestItems: {
                    connections: [
                        { PutRequest: { Item: { connectionId: { S: "a" } } } },
                        { DeleteRequest: { Key: { connectionId: { S: "b" } } } },
                    ],
                    subs: "hostile",
                },
            },
            place,
        );
        expect(batch.map((r) => r.context?.["dynamodb:LeadingKeys"])).to.deep.equal([["a", "b"], undefined]);
        const get = dynamodbRequests(
            "BatchGetItem",
            { RequestItems: { connections: { Keys: [{ connectionId: { S: "a" } }, { connectionId: { S: "a" } }] } } },
            place,
        );
        expect(get[0].context).to.deep.include({ "dynamodb:LeadingKeys": ["a"] });
    });
});
