// The one webpack configuration of every service: a Node bundle of src/main.ts
// with the package.json and lockfile of its production dependencies beside it
// (the image installs from those). Each service's webpack.config.js only names
// its folder, because Nx infers a project's build target from that file.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('node:path');

/** @param {string} serviceDir the service's folder (its webpack.config.js passes __dirname) */
module.exports = function serviceWebpackConfig(serviceDir) {
  return {
    output: {
      path: join(__dirname, '..', 'dist', 'services', basename(serviceDir)),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
      }),
    ],
  };
};
