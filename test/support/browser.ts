import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where Chromium is: NENC_CHROMIUM, or Debian's `chromium` package (`.ci/run` installs it). */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.NENC_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path as string));
}

/** A headless Chromium (no sandbox: CI runs as root). */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium: apt-get install chromium, or set NENC_CHROMIUM");
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
}
