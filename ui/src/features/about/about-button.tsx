// The top bar's (i) button that opens the About dialog (also F1).

export function AboutButton({ onOpen }: { onOpen: () => void }) {
  return (
    <button type="button" className="icon-button" data-testid="about-button" aria-label="About Antimony" title="About Antimony (F1)" onClick={onOpen}>
      <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" fill="currentColor">
        <path d="M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13ZM0 8a8 8 0 1 1 16 0A8 8 0 0 1 0 8Zm8-3.75a1 1 0 1 1 0-2 1 1 0 0 1 0 2ZM7.25 6.5h1.5v6h-1.5v-6Z" />
      </svg>
    </button>
  );
}
