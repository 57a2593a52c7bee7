// Loaded by mocha before any test (.mocharc.json): SDK clients in tests talk only to loopback servers, so they get
// fixed local credentials and region, never whatever the developer's shell holds.
process.env.AWS_REGION = "us-east-1";
process.env.AWS_ACCESS_KEY_ID = "local";
process.env.AWS_SECRET_ACCESS_KEY = "local";
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
