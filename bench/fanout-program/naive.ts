import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { DeleteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { S3Event } from "aws-lambda";

/**
 * The fan-out as it is usually first written, and as the seed describes it: scan every id, then await each post
 * in turn, deleting the row of a gone connection. The benchmark's baseline; never shipped.
 */
export async function naiveFanout(event: S3Event): Promise<{ delivered: number }> {
    const dynamodb = new DynamoDBClient({});
    const management = new ApiGatewayManagementApiClient({ endpoint: process.env.CONNECTIONS_ENDPOINT });
    const TableName = process.env.CONNECTIONS_TABLE;
    const ids: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
        const page = await dynamodb.send(new ScanCommand({ TableName, ExclusiveStartKey: startKey }));
        for (const item of page.Items ?? []) ids.push(String(item.connectionId.S));
        startKey = page.LastEvaluatedKey;
    } while (startKey);
    let delivered = 0;
    for (const record of event.Records) {
        const data = JSON.stringify({ type: "s3", event: record.eventName, bucket: record.s3.bucket.name, key: record.s3.object.key });
        for (const id of ids) {
            try {
                await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
                delivered++;
            } catch (err) {
                if ((err as { name?: string }).name === "GoneException") {
                    await dynamodb.send(new DeleteItemCommand({ TableName, Key: { connectionId: { S: id } } }));
                }
            }
        }
    }
    return { delivered };
}
