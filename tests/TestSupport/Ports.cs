using System.Net;
using System.Net.Sockets;

namespace IntegrationHub.TestSupport;

public static class Ports
{
    /// <summary>
    /// A loopback TCP port that was free a moment ago. Another process may take it before the caller binds it,
    /// so servers started on it should retry on another port when binding fails.
    /// </summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
