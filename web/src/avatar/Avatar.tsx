// The assistant's face: SVG drawn from FACES (no external assets, no inline styles — the page's CSP allows
// neither). The mouth moves while speech plays; a thought bubble shows while the agent is thinking.

import { useI18n } from '../i18n/context';
import { browLine, FACES, mouthPath, type Emotion, type EyeShape } from './emotions';

const EYE_Y = 84;

function Eye({ shape, side }: { shape: EyeShape; side: -1 | 1 }) {
  const x = 100 + side * 32;
  const own: EyeShape = shape === 'wink' ? (side === -1 ? 'round' : 'smile') : shape;
  switch (own) {
    case 'smile':
      return <path className="eye-line" d={`M ${x - 11} ${EYE_Y + 4} Q ${x} ${EYE_Y - 10} ${x + 11} ${EYE_Y + 4}`} />;
    case 'closed':
      return <path className="eye-line" d={`M ${x - 11} ${EYE_Y - 2} Q ${x} ${EYE_Y + 8} ${x + 11} ${EYE_Y - 2}`} />;
    case 'squeeze': {
      const tip = x + side * 9;
      const back = x - side * 8;
      return <path className="eye-line" d={`M ${back} ${EYE_Y - 8} L ${tip} ${EYE_Y} L ${back} ${EYE_Y + 8}`} />;
    }
    case 'half':
      return (
        <g>
          <path className="eye" d={`M ${x - 10} ${EYE_Y} A 10 10 0 0 0 ${x + 10} ${EYE_Y} Z`} />
          <line className="lid" x1={x - 12} y1={EYE_Y} x2={x + 12} y2={EYE_Y} />
        </g>
      );
    default: {
      const ry = own === 'wide' ? 15 : own === 'narrow' ? 6 : 11;
      const rx = own === 'wide' ? 11 : 9;
      // looking up and aside (thinking) or down (sad, shy)
      const look = own === 'up' ? { dx: 3, dy: -4 } : own === 'down' ? { dx: 0, dy: 4 } : { dx: 0, dy: 0 };
      const cx = x + look.dx;
      const cy = EYE_Y + look.dy;
      return (
        <g>
          <ellipse className="eye" cx={cx} cy={cy} rx={rx} ry={ry} />
          <circle className="eye-shine" cx={cx + rx / 3} cy={cy - ry / 3} r={own === 'narrow' ? 1.5 : 3} />
        </g>
      );
    }
  }
}

function Extras({ emotion }: { emotion: Emotion }) {
  const extras = FACES[emotion].extras;
  return (
    <g className="extras">
      {extras.includes('blush') && (
        <g className="blush">
          <ellipse cx={58} cy={112} rx={13} ry={7} />
          <ellipse cx={142} cy={112} rx={13} ry={7} />
        </g>
      )}
      {extras.includes('tear') && <path className="tear" d="M 134 98 Q 128 112 134 116 Q 140 112 134 98 Z" />}
      {extras.includes('vein') && <path className="vein" d="M 145 38 q 7 0 7 -7 M 163 38 q -7 0 -7 -7 M 145 46 q 7 0 7 7 M 163 46 q -7 0 -7 7" />}
      {extras.includes('sweat') && <path className="sweat" d="M 160 58 Q 153 72 160 77 Q 167 72 160 58 Z" />}
      {extras.includes('sparkles') && (
        <g className="sparkles">
          <path d="M 30 40 l 3 8 l 8 3 l -8 3 l -3 8 l -3 -8 l -8 -3 l 8 -3 Z" />
          <path d="M 168 150 l 2 6 l 6 2 l -6 2 l -2 6 l -2 -6 l -6 -2 l 6 -2 Z" />
        </g>
      )}
      {extras.includes('zzz') && (
        <text className="zzz" x={150} y={44}>
          z z
        </text>
      )}
      {extras.includes('question') && (
        <text className="question" x={154} y={50}>
          ?
        </text>
      )}
      {extras.includes('tongue') && <path className="tongue" d="M 100 146 q 0 14 9 14 q 9 0 9 -14 Z" />}
    </g>
  );
}

export function Avatar({ emotion, speaking, thinking }: { emotion: Emotion; speaking: boolean; thinking: boolean }) {
  const { t } = useI18n();
  const face = FACES[emotion];
  const label = t('avatarLabel', { emotion: t(`emotion_${emotion}`) });
  return (
    <figure className="voice-avatar-frame">
      <svg
        className={`voice-avatar voice-avatar-${emotion}${speaking ? ' speaking' : ''}`}
        viewBox="0 0 200 200"
        role="img"
        aria-label={label}
        data-emotion={emotion}
        data-speaking={speaking}
      >
        <circle className="face" cx={100} cy={100} r={82} />
        <Eye shape={face.eyes} side={-1} />
        <Eye shape={face.eyes} side={1} />
        {([-1, 1] as const).map((side) => {
          const b = browLine(face, side);
          return <line key={side} className="brow" {...b} />;
        })}
        <path className={face.mouthOpen > 0 ? 'mouth mouth-open' : 'mouth'} d={mouthPath(face)} />
        <Extras emotion={emotion} />
      </svg>
      {thinking && (
        <div className="thinking" role="status" data-testid="thinking">
          <span className="dot" />
          <span className="dot" />
          <span className="dot" />
          <span className="visually-hidden">{t('thinking')}</span>
        </div>
      )}
      <figcaption className="voice-avatar-caption" data-testid="emotion">
        {t(`emotion_${emotion}`)}
      </figcaption>
    </figure>
  );
}
