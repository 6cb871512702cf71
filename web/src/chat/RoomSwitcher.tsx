import { useState } from 'react';
import { useI18n } from '../i18n/context';
import { isValidRoom } from './topics';

interface Props {
  rooms: readonly string[];
  current: string;
  onSwitch: (room: string) => void;
}

export function RoomSwitcher({ rooms, current, onSwitch }: Props) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const valid = isValidRoom(name.trim());
  return (
    <section className="panel rooms" aria-label={t('rooms')}>
      <h2>{t('rooms')}</h2>
      <ul>
        {rooms.map((room) => (
          <li key={room}>
            <button
              type="button"
              className={room === current ? 'room-button current' : 'room-button'}
              aria-current={room === current ? 'page' : undefined}
              onClick={() => onSwitch(room)}
            >
              # {room}
            </button>
          </li>
        ))}
      </ul>
      <form
        className="room-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) {
            onSwitch(name.trim());
            setName('');
          }
        }}
      >
        <input
          value={name}
          maxLength={64}
          placeholder={t('roomPlaceholder')}
          aria-label={t('roomPlaceholder')}
          aria-invalid={name !== '' && !valid}
          title={t('roomInvalid')}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" disabled={!valid}>
          {t('roomGo')}
        </button>
      </form>
    </section>
  );
}
