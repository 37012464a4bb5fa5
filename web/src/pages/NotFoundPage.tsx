import { Link } from 'react-router';
import { usePageTitle } from '../components/PageHeader.tsx';
import { EmptyState } from '../components/States.tsx';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <EmptyState title="There is no page at this address">
      <p>
        <Link to="/">Go to your start page</Link>
      </p>
    </EmptyState>
  );
}
