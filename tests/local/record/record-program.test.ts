import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { RESOURCE_TYPES } from "../../../local/record/resource-types";
import { recordInProcess } from "../../support/record";

/** A component of type `test:index:<kind>` that owns a `LogGroup("logs")`. */
class Owner extends pulumi.ComponentResource {
    constructor(kind: string, name: string, retentionInDays: number) {
        super(`test:index:${kind}`, name, {}, {});
        new aws.cloudwatch.LogGroup("logs", { retentionInDays }, { parent: this });
        this.registerOutputs({});
    }
}

describe("recording a program", () => {
    // A URN holds the parent's type, not its name: children of two components of different types may share a type and name.
    it("keys resources by URN: two components' children of the same type and name stay two resources", async () => {
        const graph = await recordInProcess(() => {
            new Owner("Archive", "first", 7);
            new Owner("Journal", "second", 30);
        });
        const groups = graph.ofType(RESOURCE_TYPES.logGroup);
        expect(groups.map((g) => [graph.byUrn(g.parent).name, g.inputs.retentionInDays])).to.deep.equal([
            ["first", 7],
            ["second", 30],
        ]);
        expect(new Set(groups.map((g) => g.urn)).size, "URNs").to.equal(2);
        expect(new Set(groups.map((g) => g.id)).size, "physical ids, as AWS auto-naming would give").to.equal(2);
        expect(new Set(groups.map((g) => g.state.arn)).size, "ARNs").to.equal(2);
    });

    it("gives the same program the same ids every time", async () => {
        const ids = async () =>
            (
                await recordInProcess(() => {
                    new Owner("Archive", "first", 7);
                })
            )
                .ofType(RESOURCE_TYPES.logGroup)
                .map((g) => g.id);
        expect(await ids()).to.deep.equal(await ids());
    });
});
