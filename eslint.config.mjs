// One lint configuration for the whole tree: typescript-eslint's recommended rules (syntax only, so `npm test`
// stays fast; `tsc --noEmit` does the type checking), Node.js globals, mocha's in tests.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", ".local/", "**/node_modules/", "dist/", "tests/fixtures/file-route/src/broken.ts"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { ...globals.node } },
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
        },
    },
    {
        files: ["**/*.js", "**/*.cjs"],
        languageOptions: { sourceType: "commonjs" },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        files: ["tests/**/*.ts"],
        languageOptions: { globals: { ...globals.mocha } },
        // chai asserts with property access: `expect(x).to.be.true`.
        rules: { "@typescript-eslint/no-unused-expressions": "off" },
    },
);
