// The browser's camera and microphone. Browsers offer them only to secure pages (https://, or http://localhost);
// on plain http:// from another machine `navigator.mediaDevices` does not exist, and the user is told why.

export function userMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
  const devices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  if (!devices?.getUserMedia) {
    const secure = typeof window !== 'undefined' && window.isSecureContext;
    return Promise.reject(
      new Error(
        secure
          ? 'this browser offers no camera or microphone'
          : 'the browser allows camera and microphone only on a secure page: open it over https:// or on localhost',
      ),
    );
  }
  return devices.getUserMedia(constraints);
}
