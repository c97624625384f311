// ESLint for the console: JavaScript's and typescript-eslint's recommended
// rules, eslint-plugin-svelte's for components (runes, a11y the compiler
// does not catch, keyed each blocks). svelte-check does the type checking;
// these rules catch what types do not.
import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import ts from 'typescript-eslint'
import svelteConfig from './svelte.config.js'

export default ts.config(
  // wailsjs/ is what the Wails CLI writes at build time (gitignored).
  { ignores: ['dist/', 'node_modules/', 'wailsjs/', 'src/lib/api.gen.ts'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { projectService: false, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig },
    },
  },
  {
    rules: {
      // `_` marks an argument a signature requires but the body ignores.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
)
