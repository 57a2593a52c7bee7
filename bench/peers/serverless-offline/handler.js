"use strict";
// SDK is required lazily so that the connect/test/disconnect workers do not load it.
let sdk;
const loadSdk = () => (sdk ||= require("@aws-sdk/client-apigatewaymanagementapi"));

// serverless-offline documents the management API at http://localhost:<websocketPort>/@connections/{id};
// we bind to 127.0.0.1, so use that. Dummy credentials: SDK v3 must sign, offline never checks.
const MGMT_ENDPOINT = process.env.WS_MGMT_ENDPOINT || "http://127.0.0.1:3201";
let client;
function mgmt() {
    if (!client) {
        client = new (loadSdk().ApiGatewayManagementApiClient)({
            endpoint: MGMT_ENDPOINT,
            region: "us-east-1",
            credentials: { accessKeyId: "local", secretAccessKey: "local" },
        });
    }
    return client;
}

function parse(body) {
    try {
        return JSON.parse(body || "{}");
    } catch {
        return {};
    }
}

exports.connect = async () => ({ statusCode: 200 });
exports.disconnect = async () => ({ statusCode: 200 });

exports.defaultHandler = async (event) => ({
    statusCode: 200,
    body: JSON.stringify({ route: "$default", routeKey: event.requestContext.routeKey, got: event.body }),
});

exports.test = async (event) => {
    const body = parse(event.body);
    return { statusCode: 200, body: `Echoing your message: ${body.echo}` };
};

exports.broadcast = async (event) => {
    const body = parse(event.body);
    const connectionId = event.requestContext.connectionId;
    await mgmt().send(
        new (loadSdk().PostToConnectionCommand)({
            ConnectionId: connectionId,
            Data: Buffer.from(JSON.stringify({ broadcast: body.msg ?? null, to: connectionId })),
        }),
    );
    return { statusCode: 200 };
};
