// ESLint flat config: typescript-eslint's recommended rules on src, test, bench and scripts,
// plus the house rule that config is data, not code (no eval, no Function, no vm).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

const noCode = "config is data, not code.";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".run/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        AbortController: "readonly",
        fetch: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // eval(...), globalThis.eval(...), (0, eval)(...) and any other indirect eval.
      "no-eval": "error",
      // new Function(...), Function(...), Function.call/apply/bind(...).
      "no-new-func": "error",
      "no-implied-eval": "error",
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "vm", message: `No vm: ${noCode}` },
            { name: "node:vm", message: `No node:vm: ${noCode}` },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.name='require'][arguments.0.value=/^(node:)?vm$/]",
          message: `No vm: ${noCode}`,
        },
        { selector: "ImportExpression[source.value=/^(node:)?vm$/]", message: `No vm: ${noCode}` },
      ],
    },
  },
  {
    // The typed variant also sees setTimeout(someString) when the string is in a variable;
    // type-aware parsing of every .ts file costs ~2 s on top of a ~6 s lint.
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { project: "./tsconfig.check.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: { "no-implied-eval": "off", "@typescript-eslint/no-implied-eval": "error" },
  },
  // Layout is Prettier's (printWidth 110, .prettierrc.json): eslint checks no style.
  prettier,
);
