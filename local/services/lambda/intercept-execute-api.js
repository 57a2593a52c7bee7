// Handlers written for AWS build their @connections endpoint as https://{apiId}.execute-api.{region}.amazonaws.com
// (or from the event's domainName) and must work unmodified: inside the Lambda runtime, requests to those hosts
// go to the local gateway over plain HTTP, same path and headers. No library does this redirection.
"use strict";
const http = require("node:http");
const https = require("node:https");

function install(hosts) {
    if (!hosts || Object.keys(hosts).length === 0) return;
    const agent = new http.Agent({ keepAlive: true });
    const originalRequest = https.request;

    function target(options) {
        const host = (options.hostname ?? options.host ?? "").replace(/:\d+$/, "").toLowerCase();
        return hosts[host];
    }

    function request(...args) {
        let [input, options, callback] = args;
        if (typeof input === "string" || input instanceof URL) {
            const url = new URL(input);
            if (typeof options === "function") {
                callback = options;
                options = {};
            }
            options = { ...options, protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search };
        } else {
            callback = options;
            options = input;
        }
        const port = target(options ?? {});
        if (port === undefined) return originalRequest.apply(https, args);
        const { agent: _agent, protocol: _protocol, ...rest } = options;
        return http.request({ ...rest, protocol: "http:", hostname: "127.0.0.1", host: "127.0.0.1", port, agent }, callback);
    }

    https.request = request;
    https.get = (...args) => {
        const req = request(...args);
        req.end();
        return req;
    };
}

module.exports = { install };
