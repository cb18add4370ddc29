/** Drops markers (oldest first, by insertion) recorded before the retention cutoff. */
export function pruneMarkers(markers: Map<string, { at: number }>, now: number, retentionMs: number): void {
  const cutoff = now - retentionMs;
  for (const [key, marker] of markers) {
    if (marker.at >= cutoff) break;
    markers.delete(key);
  }
}
