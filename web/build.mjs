// Bundle the widget into dist/widget.js (one self-contained file, no outside requests).
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

// deep-chat adds a Google Fonts <link> when no font family is set. The widget always sets one, and this patch
// removes the code path entirely so the bundle can never reach an outside host (closed networks, privacy).
const FONT_HOOK = /(attemptAppendStyleSheetToHead\((\w)\)\{)/;
const noOutsideFonts = {
  name: 'no-outside-fonts',
  setup(b) {
    b.onLoad({ filter: /deep-chat[\\/]dist[\\/]deepChat\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!FONT_HOOK.test(source)) throw new Error('deep-chat changed: font hook not found, review build.mjs');
      return { contents: source.replace(FONT_HOOK, '$1return;'), loader: 'js' };
    });
  },
};

await build({
  entryPoints: ['src/widget.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2019'],
  outfile: 'dist/widget.js',
  legalComments: 'eof',
  plugins: [noOutsideFonts],
  logLevel: 'warning',
});
const bundle = await readFile('dist/widget.js', 'utf8');
if (!/attemptAppendStyleSheetToHead",value:function\(\w\)\{return;/.test(bundle)) {
  throw new Error('widget bundle could still load an outside font');
}
console.log(`built dist/widget.js (${(bundle.length / 1024).toFixed(0)} KiB)`);
