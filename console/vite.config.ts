import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import AutoImport from 'unplugin-auto-import/vite';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig } from 'vite';

/**
 * The console is served by paygate itself at /console (src/console-web/), from
 * dist/public/console: `npm run build` builds the server, then this.
 */
export default defineConfig({
  base: '/console/',
  plugins: [
    vue(),
    // Element Plus on demand: only the components and their styles that pages use
    AutoImport({ resolvers: [ElementPlusResolver()], dts: 'src/auto-imports.d.ts' }),
    Components({
      resolvers: [ElementPlusResolver()],
      dts: 'src/components.d.ts',
      dirs: ['src/components'],
    }),
  ],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('../dist/public/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1200,
  },
  // `npm run console:dev`: the API of a paygate running on port 3000
  server: { proxy: { '/v1': 'http://127.0.0.1:3000', '/sandbox': 'http://127.0.0.1:3000' } },
});
