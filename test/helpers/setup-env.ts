import 'reflect-metadata';

// The suite never reads the developer's .env: every test builds its own configuration.
process.env.PAYGATE_TEST = '1';
