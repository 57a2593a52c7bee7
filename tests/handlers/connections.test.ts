import { expect } from "chai";
import { hasMoreConnectionsThan, type ConnectionStore } from "../../handlers/connections";
import { connectionIds, storeConnections } from "../support/dynamo";
import { useHandlerFixture } from "../support/handler-fixture";

describe("connection store: hasMoreConnectionsThan", () => {
    const fixture = useHandlerFixture();
    let table: ConnectionStore;
    beforeEach(() => ({ store: table } = fixture()));

    it("answers whether the table holds more rows than the count, at the boundary too", async () => {
        expect(await hasMoreConnectionsThan(table, 0)).to.equal(false);
        await storeConnections(table, connectionIds(5, "seg"));
        expect(await hasMoreConnectionsThan(table, 0)).to.equal(true);
        expect(await hasMoreConnectionsThan(table, 4)).to.equal(true);
        expect(await hasMoreConnectionsThan(table, 5)).to.equal(false);
        expect(await hasMoreConnectionsThan(table, 1000)).to.equal(false);
    });
});
