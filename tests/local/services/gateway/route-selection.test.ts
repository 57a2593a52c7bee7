import { expect } from "chai";
import { evaluateSelectionExpression, selectRoute } from "../../../../local/services/gateway/route-selection";

describe("route selection expressions (B1–B4)", () => {
    it("reads $request.body.action and ${request.body.action} alike (B2)", () => {
        expect(evaluateSelectionExpression("$request.body.action", '{"action":"join"}')).to.equal("join");
        expect(evaluateSelectionExpression("${request.body.action}", '{"action":"join"}')).to.equal("join");
    });
    it("follows any JSON path and mixes variables with text, in one pass (B2)", () => {
        expect(evaluateSelectionExpression("$request.body.service.do", '{"service":{"do":"x"}}')).to.equal("x");
        expect(
            evaluateSelectionExpression("${request.body.service}/${request.body.action}", '{"service":"chat","action":"join"}'),
        ).to.equal("chat/join");
        expect(evaluateSelectionExpression("${request.body.a}", '{"a":"${request.body.b}","b":"no"}')).to.equal("${request.body.b}");
    });
    it("turns a missing key into the empty string and other values into text (B3)", () => {
        expect(evaluateSelectionExpression("${request.body.a}-${request.body.missing}", '{"a":"a"}')).to.equal("a-");
        expect(evaluateSelectionExpression("$request.body.n", '{"n":42}')).to.equal("42");
        expect(evaluateSelectionExpression("$request.body.b", '{"b":true}')).to.equal("true");
    });
    it("sends non-JSON and non-object JSON to $default, or to no route (B4, B5)", () => {
        const keys = new Set(["join", "$default"]);
        for (const body of ["not json", "[1]", '"join"', "null", "7"]) {
            expect(selectRoute("$request.body.action", body, keys), body).to.equal("$default");
        }
        expect(selectRoute("$request.body.action", "not json", new Set(["join"]))).to.equal(undefined);
        expect(selectRoute("$request.body.action", '{"action":"$connect"}', keys), "$connect is never selected by a message").to.equal(
            "$default",
        );
    });
});
