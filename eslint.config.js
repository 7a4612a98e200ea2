import tseslint from "typescript-eslint";

/** Libraries with one entry point (`<folder>/index.ts`). */
const LIBRARIES = "prover|pipeline|analytics|deploy|ceremony|sdk";

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
  // Import rules (docs/ARCHITECTURE.md, "Entry points" and "Dependencies"), each a list of forbidden import
  // paths (regular expressions on the written path) with the reason:
  // - the command line (and the demo) and the service use the libraries through their entry points only: a
  //   module of prover/, pipeline/, analytics/, deploy/, ceremony/ or sdk/ other than its index.ts is
  //   internal, and the command line starts the service through verifier-api/index.ts;
  // - the other libraries (and the scripts) use the integrator's SDK through sdk/index.ts, as an integrator
  //   does;
  // - the prover never imports the service (the dependency points from the service to the prover), except
  //   the plain JavaScript modules the browser page loads as they are (verifier-api/web/*.js: the generated
  //   layout codec pool-codec.js, the attestation checker check-attestation.js and the error model errors.js,
  //   one code for both);
  // - a route file never imports the app or another route file (routes get what they need from
  //   `app.services`, typed in services.ts; what two routes share lives in a module below them).
  ...(() => {
    const entry = (libraries) => ({
      regex: `^(\\.\\./)+(${libraries})/(?!index\\.ts$)`,
      message: "import the library's entry point (its index.ts), not one of its modules",
    });
    const noService = {
      regex: "^(\\.\\./)+verifier-api/(?!web/[a-z-]+\\.js$)",
      message: "the prover does not import the service: move what both need into prover/",
    };
    const routeRules = [
      {
        regex: "^\\.\\./app\\.ts$",
        message: "a route does not import the app: use app.services (services.ts)",
      },
      { regex: "^\\./", message: "a route does not import another route: move what both need below them" },
    ];
    return [
      { files: ["cli/**/*.ts"], patterns: [entry(`${LIBRARIES}|verifier-api`)] },
      { files: ["verifier-api/**/*.ts"], patterns: [entry(LIBRARIES)] },
      { files: ["verifier-api/http/routes/**/*.ts"], patterns: [entry(LIBRARIES), ...routeRules] },
      { files: ["prover/**/*.ts"], patterns: [noService, entry("sdk")] },
      {
        files: [
          "analytics/**/*.ts",
          "pipeline/**/*.ts",
          "deploy/**/*.ts",
          "ceremony/**/*.ts",
          "scripts/**/*.ts",
        ],
        patterns: [entry("sdk")],
      },
    ].map(({ files, patterns }) => ({
      files,
      rules: {
        "no-restricted-imports": ["error", { patterns }],
        "no-restricted-syntax": [
          "error",
          ...patterns.map(({ regex, message }) => ({
            // esquery's regular expressions cannot hold a "/": written as \x2F
            selector: `ImportExpression > Literal[value=/${regex.replaceAll("/", "\\x2F")}/]`,
            message: `dynamic import: ${message}`,
          })),
        ],
      },
    }));
  })(),
);
