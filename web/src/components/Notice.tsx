import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

interface Notice {
  id: number;
  text: string;
  tone: 'success' | 'error' | 'info';
}

const NoticeContext = createContext<(text: string, tone?: Notice['tone']) => void>(() => undefined);

let nextId = 1;

/** Short confirmations ("Lead accepted") read out by screen readers. */
export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<Notice[]>([]);
  const notify = useCallback((text: string, tone: Notice['tone'] = 'success') => {
    const id = nextId++;
    setNotices((current) => [...current.slice(-3), { id, text, tone }]);
    window.setTimeout(() => setNotices((current) => current.filter((notice) => notice.id !== id)), 6000);
  }, []);
  const value = useMemo(() => notify, [notify]);
  return (
    <NoticeContext.Provider value={value}>
      {children}
      <div className="notices" role="status" aria-live="polite">
        {notices.map((notice) => (
          <div key={notice.id} className={`notice notice-${notice.tone}`}>
            {notice.text}
            <button
              type="button"
              className="btn-icon btn-ghost"
              aria-label="Dismiss"
              onClick={() => setNotices((current) => current.filter((item) => item.id !== notice.id))}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </NoticeContext.Provider>
  );
}

export function useNotify() {
  return useContext(NoticeContext);
}
