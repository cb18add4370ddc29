/** Runs once before the suite: nothing to start globally (each file starts what it needs). */
export default function setup(): void {
  process.env.NENC_LOG_LEVEL ??= "silent";
}
