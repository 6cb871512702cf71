// The voice companion page: a call with the assistant over WebRTC (signalling over MQTT), live subtitles, the
// assistant's avatar, and the page's camera/emotion/photo/volume offered to the assistant as MCP tools.

import { useCallback, useEffect, useRef, useState } from 'react';
import { Avatar } from '../avatar/Avatar';
import { DEFAULT_EMOTION, type Emotion } from '../avatar/emotions';
import { CallSession, type PeerLike } from '../call/session';
import { isSpeaking } from '../call/subtitles';
import { fetchToken } from '../chat/api';
import { optionalCredentials, toCredentials } from './credentials';
import type { PageConfig } from '../chat/protocol';
import { identity } from '../chat/storage';
import { useI18n } from '../i18n/context';
import { Camera, type CameraState } from './camera';
import { callChannel } from './channel';
import { voiceIds } from './ids';
import { userMedia } from './media';
import { CallLog, SubtitlesPanel, ToolsPanel } from './panels';
import { captureJpeg, uploadPhoto } from './photo';
import type { Hardware } from './tools';
import { useCall } from './useCall';
import { usePageTools } from './usePageTools';

interface Volume {
  volume: number;
  muted: boolean;
}

function attach(element: HTMLMediaElement | null, stream: MediaStream | null): void {
  if (!element || element.srcObject === stream) return;
  element.srcObject = stream;
  if (stream) element.play().catch(() => undefined); // autoplay may wait for a click; Connect is one
}

function applyVolume(audio: HTMLAudioElement | null, v: Volume): void {
  if (!audio) return;
  audio.volume = v.volume / 100;
  audio.muted = v.muted;
}

export function VoicePage({ config, wsUrl }: { config: PageConfig; wsUrl: string }) {
  const { t } = useI18n();
  const [ids] = useState(() => voiceIds(identity()));
  // the call logs in with a token wherever the broker takes one: anonymous devices cannot take every call slot
  const credentials = config.auth_required
    ? async () => toCredentials(await fetchToken(ids.callClientId))
    : config.tokens_accepted
      ? optionalCredentials(fetchToken, ids.callClientId)
      : undefined;
  const call = useCall(
    () =>
      new CallSession({
        channel: callChannel(wsUrl, ids.callClientId, credentials),
        createPeer: (c) => new RTCPeerConnection(c) as unknown as PeerLike,
        microphone: async () => {
          const stream = await userMedia({ audio: { echoCancellation: true, noiseSuppression: true }, video: false });
          return stream.getAudioTracks()[0]!;
        },
        iceServers: config.ice_servers,
      }),
  );
  const { session, state, log, subtitles, remote } = call;

  const [camera] = useState(() => new Camera());
  const [cameraState, setCameraState] = useState<CameraState>(camera.current);
  const [emotion, setEmotion] = useState<Emotion>(DEFAULT_EMOTION);
  const [micOn, setMicOn] = useState(true);
  const [volume, setVolume] = useState<Volume>({ volume: 80, muted: false });
  const volumeRef = useRef(volume);
  const localVideo = useRef<HTMLVideoElement>(null);
  const remoteVideo = useRef<HTMLVideoElement>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const remoteRef = useRef(remote);
  remoteRef.current = remote;

  useEffect(
    () =>
      camera.onChange((s) => {
        setCameraState(s);
        session.setVideoTrack(camera.track);
      }),
    [camera, session],
  );
  useEffect(() => () => void camera.set(false), [camera]);
  useEffect(() => attach(localVideo.current, cameraState.stream), [cameraState.stream]);
  useEffect(() => attach(audio.current, remote), [remote]);
  const remoteHasVideo = (remote?.getVideoTracks().length ?? 0) > 0;
  useEffect(() => attach(remoteVideo.current, remoteHasVideo ? remote : null), [remote, remoteHasVideo]);
  useEffect(() => {
    volumeRef.current = volume;
    applyVolume(audio.current, volume);
  }, [volume]);

  const [hardware] = useState<Hardware>(() => ({
    setCamera: (on) => camera.set(on),
    setEmotion,
    async takePhoto(source, quality) {
      let video: HTMLVideoElement | null;
      if (source === 'local') {
        if (!camera.current.stream) throw new Error('the camera is off; turn it on with control_camera first');
        video = localVideo.current;
        attach(video, camera.current.stream);
      } else {
        if (!remoteRef.current?.getVideoTracks().length) throw new Error('the call carries no video from the other side');
        video = remoteVideo.current;
      }
      if (!video) throw new Error('no video on the page');
      const { blob, width, height } = await captureJpeg(video, quality);
      return { url: await uploadPhoto(blob), width, height, bytes: blob.size };
    },
    setVolume(change) {
      const next = { volume: change.volume ?? volumeRef.current.volume, muted: change.muted ?? volumeRef.current.muted };
      volumeRef.current = next;
      applyVolume(audio.current, next);
      setVolume(next);
      return next;
    },
  }));
  const tools = usePageTools({
    url: wsUrl,
    serverId: ids.mcpServerId,
    callClientId: ids.callClientId,
    serverName: ids.mcpServerName,
    authRequired: config.auth_required,
    hardware,
  });

  useEffect(() => {
    document.title = `${t('voiceTitle')} · ${t('appTitle')}`;
  }, [t]);

  const busy = state === 'mqtt' || state === 'offering' || state === 'answered' || state === 'connected';
  const toggleCall = useCallback(() => {
    if (busy) {
      session.disconnect();
      return;
    }
    audio.current?.play().catch(() => undefined); // a click lets the page play sound later
    void session.connect();
  }, [busy, session]);

  const toggleMic = () => {
    session.setMicEnabled(!micOn);
    setMicOn(!micOn);
  };

  const sendText = async (text: string) => {
    await session.sendText(text);
    call.dispatch({ type: 'typed', text });
  };

  return (
    <div className="voice-app">
      <header className="topbar">
        <a className="brand" href="/">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>{t('appTitle')}</span>
        </a>
        <h1 className="room-title">{t('voiceTitle')}</h1>
        <div className="topbar-end">
          <span className={`badge badge-${badgeOf(state)}`} data-testid="call-state" data-state={state}>
            <span className="badge-dot" aria-hidden="true" />
            {t(`callState_${state}`)}
          </span>
          <a className="nav-link" href="/">
            {t('chatLink')}
          </a>
        </div>
      </header>

      <main className="stage">
        <Avatar emotion={emotion} speaking={isSpeaking(subtitles)} thinking={subtitles.thinking} />
        <SubtitlesPanel subtitles={subtitles} assistantName={config.assistant_name} canSend={session.active} onSend={sendText} />
        <div className="controls" role="toolbar" aria-label={t('voiceTitle')}>
          <button type="button" className={busy ? 'call-button hangup' : 'call-button'} onClick={toggleCall} data-testid="connect">
            {busy ? t('disconnect') : t('connect')}
          </button>
          <button type="button" className="toggle" aria-pressed={micOn} onClick={toggleMic} data-testid="mic">
            {micOn ? t('micOn') : t('micOff')}
          </button>
          <button
            type="button"
            className="toggle"
            aria-pressed={cameraState.on}
            onClick={() => void camera.set(!cameraState.on).catch(() => undefined)}
            data-testid="camera"
          >
            {cameraState.on ? t('cameraOn') : t('cameraOff')}
          </button>
          <span className="volume">
            <button
              type="button"
              className="toggle"
              aria-pressed={volume.muted}
              onClick={() => setVolume((v) => ({ ...v, muted: !v.muted }))}
              data-testid="mute"
            >
              {volume.muted ? t('unmute') : t('mute')}
            </button>
            <input
              type="range"
              min={0}
              max={100}
              value={volume.volume}
              onChange={(e) => setVolume((v) => ({ ...v, volume: Number(e.target.value) }))}
              aria-label={t('volume')}
              data-testid="volume"
            />
            <output>{volume.volume}</output>
          </span>
        </div>
        <audio ref={audio} autoPlay data-testid="remote-audio" />
      </main>

      <aside className="voice-side">
        <section className="voice-panel" aria-labelledby="camera-title">
          <h2 id="camera-title">{t('cameraTitle')}</h2>
          <div className={cameraState.on ? 'video-box' : 'video-box off'}>
            <video ref={localVideo} autoPlay playsInline muted data-testid="local-video" />
            {!cameraState.on && <span className="video-placeholder">{t('cameraIsOff')}</span>}
          </div>
          {cameraState.error && <p className="banner banner-error">{t('cameraError', { error: cameraState.error })}</p>}
          {remoteHasVideo && (
            <>
              <h2>{t('remoteVideoTitle')}</h2>
              <div className="video-box">
                <video ref={remoteVideo} autoPlay playsInline muted data-testid="remote-video" />
              </div>
            </>
          )}
        </section>
        <CallLog state={state} log={log} />
        <ToolsPanel status={tools.status} uses={tools.uses} />
      </aside>
    </div>
  );
}

function badgeOf(state: string): 'online' | 'connecting' | 'offline' | 'idle' {
  if (state === 'connected') return 'online';
  if (state === 'idle') return 'idle';
  if (state === 'failed' || state === 'terminated') return 'offline';
  return 'connecting';
}
