import { expect } from "chai";
import { ResourceGraph } from "../../../local/graph/resource-graph";
import { claimPort, fixedPorts, freePorts, PortTakenError } from "../../../local/services/ports";
import { recorded } from "../../support/local";
import { ROOT } from "../../support/record";

describe("local cloud: port plans", () => {
    it("lays APIs out from the base port in the order the program declares them, the data services above", async () => {
        expect(fixedPorts(3001, 3)).to.deep.equal({ gateways: [3001, 3002, 3003], s3: 3101, dynamodb: 3102, lambda: 3103, sqs: 3105 });
        // index.ts declares the echo API before the broadcast one, and the graph keeps that order.
        expect(new ResourceGraph(await recorded(ROOT)).websocketApis().map((api) => api.name)).to.deep.equal(["echo", "broadcast"]);
    });

    it("plans distinct free ports when the base is 0", async () => {
        const plan = await freePorts(4);
        const ports = [...plan.gateways, plan.s3, plan.dynamodb, plan.lambda, plan.sqs];
        expect(new Set(ports).size).to.equal(8);
        for (const port of ports) expect(port).to.be.within(1, 65_535);
    });

    it("names the service and the fix when its port is in use, and passes other errors through", async () => {
        const inUse = Object.assign(new Error("listen EADDRINUSE"), { code: "EADDRINUSE" });
        const error = await claimPort("S3", 3101, () => Promise.reject(inUse)).catch((err: unknown) => err);
        expect(error).to.be.instanceOf(PortTakenError);
        expect((error as Error).message).to.equal("S3: port 3101 is in use; start with --port <another base port>");
        const other = new Error("boom");
        expect(await claimPort("S3", 3101, () => Promise.reject(other)).catch((err: unknown) => err)).to.equal(other);
    });
});
