// take_photo: one frame of a playing <video> into a JPEG, stored by the server (POST /api/photos), which answers
// with the photo's URL.

const MAX_EDGE = 1280;
const FRAME_WAIT_MS = 5000;

/** Waits until the video shows a picture (a camera just switched on needs a moment). */
async function firstFrame(video: HTMLVideoElement): Promise<void> {
  const deadline = Date.now() + FRAME_WAIT_MS;
  while (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
    if (Date.now() > deadline) throw new Error('the video shows no picture yet');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function captureJpeg(video: HTMLVideoElement, quality: number): Promise<{ blob: Blob; width: number; height: number }> {
  await firstFrame(video);
  const scale = Math.min(1, MAX_EDGE / Math.max(video.videoWidth, video.videoHeight));
  const width = Math.round(video.videoWidth * scale);
  const height = Math.round(video.videoHeight * scale);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas in this browser');
  context.drawImage(video, 0, 0, width, height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  if (!blob) throw new Error('the browser could not encode a JPEG');
  return { blob, width, height };
}

/** Stores the JPEG on the server; resolves with its absolute URL. */
export async function uploadPhoto(blob: Blob): Promise<string> {
  const response = await fetch('/api/photos', { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: blob });
  const body: unknown = await response.json().catch(() => null);
  const url = (body as { url?: unknown } | null)?.url;
  if (!response.ok || typeof url !== 'string') {
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    throw new Error(`the server did not store the photo: ${typeof message === 'string' ? message : `HTTP ${response.status}`}`);
  }
  return new URL(url, window.location.origin).href;
}
