// HTTP/2 flow-control windows for every connection the SDK opens or serves. The protocol's
// default is 64 KiB per stream and per connection; the receiver grants more only as it reads.
// Hundreds of calls in flight on one connection (a plugin taking 2,000 measurements a second,
// each request carrying its AnalysisRun as JSON), or a watch stream of large objects, then
// wait on window updates round after round, and the sender's frame scheduler decides which
// stream goes next: some calls stalled for seconds. Memory is not at stake: a window is a
// permission to send, and the receiver reads every frame as it comes anyway.
import type { Http2Session } from "node:http2";

/** The window of each stream (SETTINGS_INITIAL_WINDOW_SIZE). */
export const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
/** The window of a whole connection. */
export const SESSION_WINDOW_BYTES = 64 * 1024 * 1024;

/** Grants the peer the connection-wide window; call once the session is connected. */
export function widenSessionWindow(session: Http2Session): void {
  if (!session.destroyed) session.setLocalWindowSize(SESSION_WINDOW_BYTES);
}
