import { existsSync } from 'node:fs';

/**
 * Playwright cannot download browsers here, so tests drive an installed Chromium: `SPECULO_CHROMIUM` (or
 * `CHROMIUM_PATH`) if set, else Debian's /usr/bin/chromium.
 */
export function chromiumPath(): string {
  const path = process.env.SPECULO_CHROMIUM ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`no Chromium at ${path}: install Debian's (apt-get install -y chromium) or set SPECULO_CHROMIUM to a Chromium or Chrome binary`);
  }
  return path;
}

/** Flags every run needs on a closed network (no background fetches) and as root (no sandbox). */
const quietFlags = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
];

/** WebGPU on the CPU through SwiftShader's Vulkan: what machines without a GPU (CI) have. */
export const swiftshaderWebGpuFlags = [...quietFlags, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];

/** No WebGPU adapter at all: the engine must fall back to WASM. */
export const noWebGpuFlags = [...quietFlags, '--disable-gpu', '--disable-features=WebGPU,Vulkan'];

/**
 * A real GPU: WebGPU on Linux still needs Vulkan and the unsafe flag in Chromium; Chrome on Windows and macOS
 * enables it by default.
 */
export const systemGpuFlags = [...quietFlags, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--ignore-gpu-blocklist'];
