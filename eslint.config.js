import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of lib/ and which may import which (import-x/no-restricted-paths; each zone: files in `target` may
 * not import from `from`). From the bottom up:
 *
 *   errors.ts, types.ts, version.ts    shared by all (types.ts: type-only imports of core/endpoint-types, generated)
 *   crypto/  util/                      the toolkit (wechatpay-php's Crypto and Util): never the client's layers
 *   v3/  v2/                            the two wire protocols: signing, verifying, platform keys; neither imports the other
 *   helpers/                            notifications, bills, sensitive fields, pay params, certificate stores
 *   core/                               the client: Builder.factory composes the protocols and the helpers
 *   cli/  index.ts                      the command line and the public face
 *   redis/                              'wechatpay-chain/redis': stores over helpers' interfaces; nothing else imports it
 *   sandbox/                            the platform simulator: its own code only (and errors.ts), so that what it
 *                                       checks of a client's requests is never the client's own signing code
 *
 * lib/generated is codegen output (ignored by lint); it imports only core/endpoint-types' public types.
 */
const LAYERS = [
  {
    target: ['./lib/crypto', './lib/util'],
    from: ['./lib/core', './lib/v3', './lib/v2', './lib/helpers', './lib/cli', './lib/redis', './lib/sandbox', './lib/generated'],
    message: 'crypto/ and util/ are the toolkit under the client: they never import its layers.',
  },
  {
    // wechatpay-php's Hash::sign orders and joins the fields with Formatter (ksort, queryStringLike), and PemUtil
    // loads keys with Rsa: the folders use each other, the files do not (formatter.ts imports nothing of crypto/).
    target: './lib/crypto',
    from: './lib/util',
    except: ['./formatter.ts'],
    message: 'crypto/ may use util/formatter.ts only (util/ builds on crypto/, not the other way).',
  },
  {
    target: ['./lib/v3', './lib/v2'],
    from: ['./lib/core', './lib/helpers', './lib/cli', './lib/redis', './lib/sandbox'],
    message: 'The protocols (v3/, v2/) sit under helpers/ and core/.',
  },
  { target: './lib/v3', from: './lib/v2', message: 'APIv3 and APIv2 are independent protocols.' },
  { target: './lib/v2', from: './lib/v3', message: 'APIv3 and APIv2 are independent protocols.' },
  {
    target: './lib/helpers',
    from: ['./lib/core', './lib/cli', './lib/redis', './lib/sandbox'],
    message: 'helpers/ sit under core/, which composes them into the client.',
  },
  { target: './lib/core', from: ['./lib/cli', './lib/redis', './lib/sandbox'], message: 'core/ does not use the CLI, the Redis stores or the sandbox.' },
  {
    target: './lib/redis',
    from: ['./lib/cli', './lib/sandbox', './lib/core', './lib/v3', './lib/v2'],
    message: 'redis/ implements the stores of helpers/ (their interfaces, errors.ts): nothing of the client itself.',
  },
  {
    target: ['./lib/core', './lib/helpers', './lib/v3', './lib/v2', './lib/crypto', './lib/util', './lib/cli', './lib/sandbox', './lib/index.ts'],
    from: './lib/redis',
    message: "redis/ is the optional 'wechatpay-chain/redis' entry: nothing else loads it (or its Redis client).",
  },
  {
    target: './lib/sandbox',
    from: './lib',
    except: ['./sandbox', './errors.ts'],
    message: "The sandbox checks clients with its own code: it imports nothing of the client's (errors.ts only).",
  },
  { target: './lib', from: ['./spec', './bench', './scripts', './examples'], message: 'The library never imports tests, benchmarks, scripts or examples.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'lib/generated/**', 'docs/**', '.sandbox/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', URL: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', queueMicrotask: 'readonly', globalThis: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', performance: 'readonly', gc: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: LAYERS }],
      // No cycle between modules at run time (a type-only import is erased, and may point back).
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['spec/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/ban-ts-comment': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
