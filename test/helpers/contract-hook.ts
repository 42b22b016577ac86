import { verifyRecordedContracts } from './contract';

// after every test file: each response its apps sent must match openapi.json (TESTING.md 15)
afterAll(() => verifyRecordedContracts());
