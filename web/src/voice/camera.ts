// The user's camera, switched by the page's button and by the control_camera tool. Switching is serialised, so a
// click and a tool call at the same moment end in the state asked last; off releases the device.

import { userMedia } from './media';

export interface CameraState {
  on: boolean;
  stream: MediaStream | null;
  error: string | null;
}

export class Camera {
  private state: CameraState = { on: false, stream: null, error: null };
  private queue: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(state: CameraState) => void>();

  constructor(private readonly open: () => Promise<MediaStream> = () => userMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })) {}

  get current(): CameraState {
    return this.state;
  }

  get track(): MediaStreamTrack | null {
    return this.state.stream?.getVideoTracks()[0] ?? null;
  }

  onChange(listener: (state: CameraState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Turns the camera on or off; rejects when it cannot be turned on (no device, not allowed). */
  set(on: boolean): Promise<void> {
    const next = this.queue.then(() => (on ? this.enable() : this.disable()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async enable(): Promise<void> {
    if (this.state.on) return;
    try {
      const stream = await this.open();
      // the picture stops by itself when the device goes away (unplugged, taken by another app)
      stream.getVideoTracks()[0]?.addEventListener('ended', () => void this.set(false));
      this.update({ on: true, stream, error: null });
    } catch (e) {
      const error = e instanceof Error ? e.message || e.name : String(e);
      this.update({ on: false, stream: null, error });
      throw new Error(`the camera cannot be turned on: ${error}`);
    }
  }

  private async disable(): Promise<void> {
    this.state.stream?.getTracks().forEach((t) => t.stop());
    if (this.state.on || this.state.error) this.update({ on: false, stream: null, error: null });
  }

  private update(state: CameraState): void {
    this.state = state;
    this.listeners.forEach((l) => l(state));
  }
}
