import { expect } from "chai";
import * as path from "node:path";
import { ResourceGraph } from "../../local/graph/resource-graph";
import { recordInChild } from "../../local/record/record-in-child";
import { RESOURCE_TYPES } from "../../local/record/resource-types";
import { ROOT } from "../support/record";

// `npm run bench` is not part of `npm test`; its program must still load, or the benchmark breaks unnoticed.
describe("the fan-out benchmark's program", () => {
    it("loads as `pulumi up` loads it, type-checked, with the WebSocket APIs the benchmark drives", async () => {
        const { loader, program } = await recordInChild(path.join(ROOT, "bench", "fanout-program"));
        expect(loader.typeChecked).to.equal(true);
        const apis = new ResourceGraph(program).ofType(RESOURCE_TYPES.api).map((api) => api.name);
        expect(apis).to.include.members(["ours", "segmented"]);
    });
});
