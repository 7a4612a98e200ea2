import tseslint from "typescript-eslint";

/** Libraries with one entry point (`<folder>/index.ts`). */
const LIBRARIES = "prover|pipeline|analytics|deploy|ceremony";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "build/**",
      "artifacts/**",
      "cache/**",
      "types/**",
      "reports/**",
      "rwa-work/**",
      "data/**",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // The command line (and the demo) and the service use the libraries through their entry points only
  // (docs/ARCHITECTURE.md, "Entry points"): a module of prover/, pipeline/, analytics/, deploy/ or ceremony/
  // other than its index.ts is internal, and the command line starts the service through verifier-api/index.ts.
  ...[
    { files: ["cli/**/*.ts"], libraries: `${LIBRARIES}|verifier-api` },
    { files: ["verifier-api/**/*.ts"], libraries: LIBRARIES },
  ].map(({ files, libraries }) => {
    const internal = `^(\\.\\./)+(${libraries})/(?!index\\.ts$)`;
    const message = "import the library's entry point (its index.ts), not one of its modules";
    return {
      files,
      rules: {
        "no-restricted-imports": ["error", { patterns: [{ regex: internal, message }] }],
        "no-restricted-syntax": [
          "error",
          {
            // esquery's regular expressions cannot hold a "/": written as \x2F
            selector: `ImportExpression > Literal[value=/${internal.replaceAll("/", "\\x2F")}/]`,
            message: `dynamic import: ${message}`,
          },
        ],
      },
    };
  }),
);
