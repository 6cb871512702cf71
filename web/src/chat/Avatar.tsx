import { colourIndex, initials } from './avatar';

export function Avatar({ name, assistant = false, small = false }: { name: string; assistant?: boolean; small?: boolean }) {
  const classes = ['avatar', assistant ? 'avatar-ai' : `avatar-c${colourIndex(name)}`, small ? 'avatar-small' : ''];
  return (
    <span className={classes.join(' ').trim()} aria-hidden="true">
      {assistant ? 'AI' : initials(name)}
    </span>
  );
}
