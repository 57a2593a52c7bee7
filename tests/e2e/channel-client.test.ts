import { expect } from "chai";
import * as path from "node:path";
import { WebSocket } from "ws";
import { ChannelClient, type ConnectionState, type Notification } from "../../client";
import { eventually, recorded, startTestCloud, TestClient, type TestCloud } from "../support/local";
import { ROOT } from "../support/record";

const CHANNELS = path.join(ROOT, "tests", "fixtures", "channels");
/** API Gateway's 10-minute idle timeout and 2-hour lifetime (B24), shortened to fit a test. */
const LIMITS = { idleTimeoutMs: 800, maxLifetimeMs: 2_500 };

describe("the channel client against the local cloud, with API Gateway's idle and lifetime limits shortened", function () {
    this.timeout(60_000);
    let t: TestCloud;
    before(async () => (t = await startTestCloud(await recorded(CHANNELS), { limits: LIMITS })));
    after(async () => t?.cloud.stop());

    it("stays connected past the idle timeout on its heartbeat, swaps before the lifetime ends, and hears every publish once", async () => {
        const client = new ChannelClient({
            url: `${t.url("url")}?user=ana`,
            WebSocket,
            heartbeatIntervalMs: 300,
            maxConnectionAgeMs: 1_500,
        });
        const states: ConnectionState[] = [];
        const heard: Notification[] = [];
        client.on("state", (state) => states.push(state));
        client.on("notification", (n) => heard.push(n));
        try {
            await client.subscribe("news/");
            // 40 publishes over about 5 s: two lifetimes and six idle timeouts of the shortened limits. The publisher
            // is a plain socket, so it reconnects by hand every 8 publishes, inside a lifetime.
            const sent: number[] = [];
            for (let batch = 0; batch < 5; batch++) {
                const sender = await TestClient.open(`${t.url("url")}?user=bo`);
                for (let i = 0; i < 8; i++) {
                    const n = batch * 8 + i;
                    const reply = JSON.parse(await sender.ask(JSON.stringify({ action: "announce", channel: "news/", text: String(n) })));
                    expect(reply).to.include({ type: "announced" });
                    sent.push(n);
                    await new Promise((resolve) => setTimeout(resolve, 125));
                }
                await sender.close();
            }
            await eventually(() => heard.length >= sent.length, 10_000, "every publish heard");
            await new Promise((resolve) => setTimeout(resolve, 300));
            const texts = heard.map((n) => (n.type === "message" ? Number((n.data as { text: string }).text) : -1));
            expect(texts, "each publish exactly once, none lost across the swaps").to.deep.equal(sent);
            expect(states, "never dropped: each swap came before API Gateway closed the old socket").to.not.include("reconnecting");
            const subscribes = t.logs.filter((line) => line.includes(" subscribe → "));
            expect(subscribes.length, "a subscribe per socket: the first, and one per swap").to.be.at.least(3);
        } finally {
            client.close();
        }
    });
});
