namespace IntegrationHub.Hosting;

public static class HubPaths
{
    public static string DataDirectory(HubOptions options)
    {
        var path = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(path);
        return path;
    }
}
