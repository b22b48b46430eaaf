// ESLint for the UI. Generated bindings are checked by tsc only.
//
// Two architecture rules are enforced here (see /STYLE.md, "Boundaries"):
// - only src/lib/bridge/ may import @tauri-apps/*;
// - a feature never imports another feature (src/features/<a> → src/features/<b>).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const featuresDir = join(import.meta.dirname, "src/features");
const features = existsSync(featuresDir)
  ? readdirSync(featuresDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
  : [];

const tauriBan = {
  group: ["@tauri-apps/*"],
  message: "Only src/lib/bridge/ talks to Tauri; import from lib/bridge instead.",
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "src/bindings/"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
    },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    ignores: ["src/lib/bridge/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [tauriBan] }] },
  },
  ...features.map((feature) => ({
    files: [`src/features/${feature}/**/*.{ts,tsx}`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            tauriBan,
            {
              group: features
                .filter((other) => other !== feature)
                .flatMap((other) => [`../${other}`, `../${other}/*`, `**/features/${other}`, `**/features/${other}/*`]),
              message: "Features never import each other; lift shared code to components/ or lib/, or wire it in app/.",
            },
          ],
        },
      ],
    },
  })),
  {
    // Plain JavaScript (this file, scripts/*.mjs) is outside the TypeScript project.
    files: ["**/*.{js,mjs}"],
    ...tseslint.configs.disableTypeChecked,
  },
);
